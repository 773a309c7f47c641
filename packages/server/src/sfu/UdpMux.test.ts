import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PublishedTrack } from "@confab/protocol";
import { defaultConfig } from "../config/config.js";
import { StunProbe, bindingRequest, iceEndpoint } from "../testing/stunProbe.js";
import { Publisher } from "./Publisher.js";
import { sharedPortBufferBytes, sharedUdpMux } from "./sharedUdpPort.js";
import { iceGuardStats } from "./stats.js";
import type { UdpMux } from "./UdpMux.js";

const fixtures = new URL("./fixtures/", import.meta.url);
const offer = readFileSync(new URL("chromium-camera-mic.offer.sdp", fixtures), "utf8");
const tracks = JSON.parse(readFileSync(new URL("chromium-camera-mic.tracks.json", fixtures), "utf8")) as PublishedTrack[];
const clientUfrag = /^a=ice-ufrag:(\S+)/m.exec(offer)?.[1] ?? "";

let port = 0;
let rtc: typeof defaultConfig.rtc;
let mux: UdpMux;
const open: { close(): void }[] = [];

/** A UDP port free right now (the kernel's pick). */
async function freePort(): Promise<number> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const free = socket.address().port;
  await new Promise<void>((resolve) => socket.close(resolve));
  return free;
}

beforeAll(async () => {
  port = await freePort();
  rtc = { ...defaultConfig.rtc, announcedIps: ["127.0.0.1"], udpSockets: "shared", udpPort: port };
});

afterAll(() => {
  for (const o of open.splice(0)) o.close();
});

/** A publisher that answered a browser's offer on the shared port: its ICE credentials and candidate port. */
async function livePublisher(): Promise<{ publisher: Publisher; ufrag: string; pwd: string; port: number }> {
  const publisher = new Publisher(`p${open.length}`, rtc, (event, error) => {
    throw new Error(`${event}: ${String(error)}`);
  });
  open.push(publisher);
  const candidates: string[] = [];
  publisher.events.on("iceCandidate", (c) => c && candidates.push(c.candidate));
  const answered = new Promise<string>((resolve) => publisher.events.on("answer", resolve));
  await publisher.handleOffer(offer, tracks);
  const answer = await answered;
  for (let i = 0; i < 100 && !/127\.0\.0\.1 \d+ typ host/.test(answer + candidates.join("\n")); i++) await sleep(20);
  mux = await sharedUdpMux(port, sharedPortBufferBytes(rtc.udpBufferBytes));
  return { publisher, ...iceEndpoint(answer, candidates) };
}

async function probe(): Promise<StunProbe> {
  const p = await StunProbe.open({ address: "127.0.0.1", port });
  open.push(p);
  return p;
}

describe("one UDP port for every connection of a thread (RTC_UDP_PORT)", () => {
  it("offers the shared port on every connection and routes each authenticated sender to its own connection only", async () => {
    const ann = await livePublisher();
    const bob = await livePublisher();
    expect([ann.port, bob.port]).toEqual([port, port]);
    const routes = mux.routeCount;

    const annBrowser = await probe();
    const bobBrowser = await probe();
    expect(await annBrowser.requestAnswered(bindingRequest({ username: `${ann.ufrag}:${clientUfrag}`, password: ann.pwd }))).toBe(true);
    expect(await bobBrowser.requestAnswered(bindingRequest({ username: `${bob.ufrag}:${clientUfrag}`, password: bob.pwd }))).toBe(true);
    // Each answer is signed with the password of the connection it was meant for.
    expect(annBrowser.verifiedResponses(ann.pwd)).toBe(1);
    expect(bobBrowser.verifiedResponses(bob.pwd)).toBe(1);
    expect(mux.routeCount).toBe(routes + 2);
    const annRoute = mux.routeOf("127.0.0.1", annBrowser.port);
    const bobRoute = mux.routeOf("127.0.0.1", bobBrowser.port);
    expect(annRoute).toBeDefined();
    expect(bobRoute).toBeDefined();
    expect(annRoute).not.toBe(bobRoute);
  });

  it("binds nothing and answers nothing for forged binding requests and junk, and the bound connections keep their routes", async () => {
    const ann = await livePublisher();
    const annBrowser = await probe();
    expect(await annBrowser.requestAnswered(bindingRequest({ username: `${ann.ufrag}:${clientUfrag}`, password: ann.pwd }))).toBe(true);
    const annRoute = mux.routeOf("127.0.0.1", annBrowser.port);
    const routes = mux.routeCount;
    const dropped = iceGuardStats.sharedPortDatagramsDropped + iceGuardStats.stunRequestsDropped;

    const forger = await probe();
    const forgeries = [
      // A ufrag nobody was given.
      ...Array.from({ length: 50 }, () => bindingRequest({ username: `${randomBytes(3).toString("hex")}:abcd`, password: ann.pwd })),
      // Ann's ufrag (it is in her SDP) with MESSAGE-INTEGRITY keyed with something else.
      ...Array.from({ length: 50 }, () => bindingRequest({ username: `${ann.ufrag}:${clientUfrag}` })),
      // Her ufrag and password, without FINGERPRINT.
      bindingRequest({ username: `${ann.ufrag}:${clientUfrag}`, password: ann.pwd, fingerprint: false }),
    ].map((r) => r.bytes);
    // Junk: random bytes, an RTP-looking packet, a DTLS-looking record.
    const junk = [randomBytes(200), Buffer.concat([Buffer.from([0x80, 0x60]), randomBytes(100)]), Buffer.concat([Buffer.from([22, 0xfe, 0xfd]), randomBytes(60)])];
    for (const datagram of [...forgeries, ...junk]) await forger.send(datagram);
    // Ann's connection still answers her, from her route, after the spray.
    expect(await annBrowser.requestAnswered(bindingRequest({ username: `${ann.ufrag}:${clientUfrag}`, password: ann.pwd }))).toBe(true);
    await sleep(500);

    expect(forger.tally).toMatchObject({ responses: 0, checks: 0, received: 0 });
    expect(mux.routeOf("127.0.0.1", forger.port)).toBeUndefined();
    expect(mux.routeCount).toBe(routes);
    expect(mux.routeOf("127.0.0.1", annBrowser.port)).toBe(annRoute);
    expect(iceGuardStats.sharedPortDatagramsDropped + iceGuardStats.stunRequestsDropped - dropped).toBe(forgeries.length + junk.length);
  });

  it("adds a new address that authenticates (an ICE restart from another network) and drops every address of a connection when it closes", async () => {
    const ann = await livePublisher();
    const connections = mux.connectionCount;
    const first = await probe();
    const second = await probe();
    expect(await first.requestAnswered(bindingRequest({ username: `${ann.ufrag}:${clientUfrag}`, password: ann.pwd }))).toBe(true);
    expect(await second.requestAnswered(bindingRequest({ username: `${ann.ufrag}:${clientUfrag}`, password: ann.pwd }))).toBe(true);
    expect(mux.routeOf("127.0.0.1", first.port)).toBeDefined();
    expect(mux.routeOf("127.0.0.1", second.port)).toBeDefined();
    const routes = mux.routeCount;

    ann.publisher.close();
    await expect.poll(() => mux.routeOf("127.0.0.1", first.port), { timeout: 5_000 }).toBeUndefined();
    expect(mux.routeOf("127.0.0.1", second.port)).toBeUndefined();
    expect(mux.routeCount).toBe(routes - 2);
    expect(mux.connectionCount).toBe(connections - 1);
    // Its credentials bind nothing any more: nothing routes to a closed transport.
    const late = await probe();
    expect(await late.requestAnswered(bindingRequest({ username: `${ann.ufrag}:${clientUfrag}`, password: ann.pwd }))).toBe(false);
    expect(mux.routeOf("127.0.0.1", late.port)).toBeUndefined();
  });
});
