import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "@confab/server";
import { startTestServer } from "@confab/server/testing";
import { Bot } from "./Bot.js";

/** Two SFU workers: ports `base` and `base + 1` (and `base + 2` for the main thread's lobby probes). */
let base = 0;
let server: RunningServer;
const bots: Bot[] = [];

/** Whether UDP `port` can be bound right now. */
async function free(port: number): Promise<boolean> {
  const socket = createSocket("udp4");
  const bound = await new Promise<boolean>((resolve) => {
    socket.once("error", () => resolve(false));
    socket.bind(port, "0.0.0.0", () => resolve(true));
  });
  if (bound) await new Promise<void>((resolve) => socket.close(() => resolve()));
  return bound;
}

/** A UDP port with its next two free right now. */
async function freePorts(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    if ((await free(port)) && (await free(port + 1)) && (await free(port + 2))) return port;
  }
}

beforeAll(async () => {
  base = await freePorts();
  server = await startTestServer({ workers: 2, rtc: { udpPort: base } });
});

afterAll(async () => {
  await Promise.all(bots.map((b) => b.close()));
  await server.close();
});

/** A bot joined to `room` on `on` (this file's RTC_UDP_PORT server by default), closed from `into`. */
async function bot(room: string, name: string, publish: boolean, on: RunningServer = server, into: Bot[] = bots): Promise<Bot> {
  const b = new Bot({ url: on.httpUrl, room, name, publish: publish ? { video: true, audio: true } : {} });
  into.push(b);
  await b.join();
  return b;
}

type IceConnection = { remoteCandidates: { transport: string; port: number }[]; nominated?: { remoteAddr: [string, number] } };
type Peer = { iceTransports: { connection: IceConnection }[] } | undefined;

/** The SFU's UDP candidate ports a bot was given, and the SFU ports its media flows to. */
function sfuPorts(b: Bot): { candidates: number[]; nominated: number[] } {
  const peers = b as unknown as { publisher: Peer; subscriber: Peer };
  const connections = [peers.publisher, peers.subscriber].flatMap((pc) => pc?.iceTransports.map((t) => t.connection) ?? []);
  return {
    candidates: connections.flatMap((c) => c.remoteCandidates.filter((r) => r.transport.toLowerCase() === "udp").map((r) => r.port)),
    nominated: connections.flatMap((c) => (c.nominated ? [c.nominated.remoteAddr[1]] : [])),
  };
}

/** One junk datagram: random bytes, or looking like a STUN request, RTP or DTLS at first glance. */
function junk(i: number): Buffer {
  const body = randomBytes(20 + (i % 600));
  if (i % 3 === 0) {
    body.writeUInt16BE(0x0001, 0);
    body.writeUInt16BE(body.length - 20, 2);
    body.writeUInt32BE(0x2112a442, 4);
  } else if (i % 3 === 1) body[0] = 0x80 | (body[0]! & 0x3f);
  else body[0] = 22;
  return body;
}

describe("one UDP port per SFU worker (RTC_UDP_PORT)", () => {
  it("two rooms on two workers: media flows in both, every SFU candidate is on its worker's one port, junk at the ports disturbs neither, and leaving frees the addresses", async () => {
    const ann = await bot("shared-port-a", "Ann", true);
    const bob = await bot("shared-port-a", "Bob", false);
    const cid = await bot("shared-port-b", "Cid", true);
    const dee = await bot("shared-port-b", "Dee", false);
    await expect.poll(() => bob.tracks("video")[0]?.packets ?? 0, { timeout: 20_000 }).toBeGreaterThan(30);
    await expect.poll(() => dee.tracks("video")[0]?.packets ?? 0, { timeout: 20_000 }).toBeGreaterThan(30);

    const roomA = [ann, bob].map(sfuPorts);
    const roomB = [cid, dee].map(sfuPorts);
    const portsA = new Set(roomA.flatMap((p) => [...p.candidates, ...p.nominated]));
    const portsB = new Set(roomB.flatMap((p) => [...p.candidates, ...p.nominated]));
    // Each room sits on one worker, all of whose connections share one port: base or base + 1.
    expect(portsA.size).toBe(1);
    expect(portsB.size).toBe(1);
    expect(new Set([...portsA, ...portsB])).toEqual(new Set([base, base + 1]));
    const connected = roomA.concat(roomB).map((p) => p.nominated.length);
    expect(connected.every((n) => n >= 1)).toBe(true);
    // Each connected connection bound at least its bot's address (stats arrive about once a second).
    await expect.poll(() => server.rooms.stats().sharedPortAddresses, { timeout: 5_000 }).toBeGreaterThanOrEqual(connected.reduce((a, b) => a + b, 0));

    // Junk and forged checks at both shared ports while both rooms run.
    const sprayer = createSocket("udp4");
    await new Promise<void>((resolve) => sprayer.bind(0, "127.0.0.1", resolve));
    const before = { bob: bob.tracks("video")[0]!.packets, dee: dee.tracks("video")[0]!.packets };
    // The count once every check of the four bots has landed: unchanged over two stats intervals.
    let addresses = -1;
    await expect
      .poll(
        async () => {
          const seen = server.rooms.stats().sharedPortAddresses;
          await sleep(2_500);
          addresses = server.rooms.stats().sharedPortAddresses;
          return addresses === seen;
        },
        { timeout: 20_000 },
      )
      .toBe(true);
    const dropped = server.rooms.stats().sharedPortDatagramsDropped;
    for (let sent = 0; sent < 2_000; ) {
      for (let k = 0; k < 100; k++, sent++) sprayer.send(junk(sent), sent % 2 === 0 ? base : base + 1, "127.0.0.1");
      await sleep(50);
    }
    sprayer.close();
    await expect.poll(() => bob.tracks("video")[0]!.packets - before.bob, { timeout: 10_000 }).toBeGreaterThan(60);
    await expect.poll(() => dee.tracks("video")[0]!.packets - before.dee, { timeout: 10_000 }).toBeGreaterThan(60);
    // Every junk datagram was dropped at the door (stats reach the main thread about once a second).
    await expect.poll(() => server.rooms.stats().sharedPortDatagramsDropped - dropped, { timeout: 5_000 }).toBeGreaterThanOrEqual(2_000);
    // None of it bound an address.
    expect(server.rooms.stats().sharedPortAddresses).toBe(addresses);

    // Leaving: the room's addresses go with its connections.
    await ann.close();
    await bob.close();
    // At least one address per connected connection of room A goes; room B keeps at least one per
    // its own. (The rooms need not have bound as many: a connection binds every address its
    // checks came from, and which pairs were checked varies from run to run.)
    const [connectedA, connectedB] = [connected[0]! + connected[1]!, connected[2]! + connected[3]!];
    await expect.poll(() => server.rooms.stats().sharedPortAddresses, { timeout: 10_000 }).toBeLessThanOrEqual(addresses - connectedA);
    const remaining = server.rooms.stats().sharedPortAddresses;
    expect(remaining).toBeGreaterThanOrEqual(connectedB);
    const still = dee.tracks("video")[0]!.packets;
    await expect.poll(() => dee.tracks("video")[0]!.packets - still, { timeout: 10_000 }).toBeGreaterThan(30);
    await cid.close();
    await dee.close();
    await expect.poll(() => server.rooms.stats().sharedPortAddresses, { timeout: 10_000 }).toBe(0);
    expect(remaining).toBeGreaterThan(0);
  });

  it("an ICE restart on both connections keeps the media flowing through the shared port", async () => {
    const ann = await bot("shared-port-restart", "Ann", true);
    const bob = await bot("shared-port-restart", "Bob", false);
    await expect.poll(() => bob.tracks("video")[0]?.packets ?? 0, { timeout: 20_000 }).toBeGreaterThan(30);
    const before = { ann: ann.remoteIceUfrags().publisher, bob: bob.remoteIceUfrags().subscriber };
    await ann.restartIce();
    await bob.restartIce();
    await expect.poll(() => ann.remoteIceUfrags().publisher, { timeout: 10_000 }).not.toBe(before.ann);
    await expect.poll(() => bob.remoteIceUfrags().subscriber, { timeout: 10_000 }).not.toBe(before.bob);
    await expect.poll(() => ann.connectionStates().publisher, { timeout: 10_000 }).toMatch(/^pc connected, ice (connected|completed)/);
    await expect.poll(() => bob.connectionStates().subscriber, { timeout: 10_000 }).toMatch(/^pc connected, ice (connected|completed)/);
    const video = bob.tracks("video")[0]!;
    const restartedAt = video.packets;
    await expect.poll(() => video.packets - restartedAt, { timeout: 15_000 }).toBeGreaterThan(60);
    // Still on the worker's port, before and after.
    const ports = new Set([ann, bob].flatMap((b) => sfuPorts(b).nominated));
    expect(ports.size).toBe(1);
    expect([base, base + 1]).toContain([...ports][0]);
  });
});

describe("one UDP socket per SFU worker by default, on a free port of its slice of RTC_PORT_MIN..MAX", () => {
  let rangeServer: RunningServer | undefined;
  const rangeBots: Bot[] = [];

  afterAll(async () => {
    await Promise.all(rangeBots.map((b) => b.close()));
    await rangeServer?.close();
  });

  it("each room's connections share its worker's one port, inside that worker's slice, never in the last slice (the main thread's)", async () => {
    // Six ports for two workers and the main thread: [min, min + 1], [min + 2, min + 3], [min + 4, min + 5].
    let min = 0;
    for (;;) {
      min = 20_000 + Math.floor(Math.random() * 40_000);
      const all = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => free(min + i)));
      if (all.every(Boolean)) break;
    }
    const on = (rangeServer = await startTestServer({ workers: 2, rtc: { portRange: [min, min + 5] } }));
    const [ann, bob, cid, dee] = [
      await bot("range-a", "Ann", true, on, rangeBots),
      await bot("range-a", "Bob", false, on, rangeBots),
      await bot("range-b", "Cid", true, on, rangeBots),
      await bot("range-b", "Dee", false, on, rangeBots),
    ];
    await expect.poll(() => bob.tracks("video")[0]?.packets ?? 0, { timeout: 20_000 }).toBeGreaterThan(30);
    await expect.poll(() => dee.tracks("video")[0]?.packets ?? 0, { timeout: 20_000 }).toBeGreaterThan(30);
    const portsOf = (room: Bot[]) => new Set(room.map(sfuPorts).flatMap((p) => [...p.candidates, ...p.nominated]));
    const a = [...portsOf([ann, bob])];
    const b = [...portsOf([cid, dee])];
    expect(a).toHaveLength(1);
    expect(b).toHaveLength(1);
    // The two rooms sit on the two workers: one port in each worker's slice, none in the main thread's.
    const slice = (port: number) => Math.floor((port - min) / 2);
    expect(new Set([slice(a[0]!), slice(b[0]!)])).toEqual(new Set([0, 1]));
  });
});
