import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "@confab/server";
import { startTestServer } from "@confab/server/testing";
import type { Bot } from "./Bot.js";
import { TestBots } from "./testing/TestBots.js";

/** The same spray with the default (one shared socket per thread) and with a socket per connection. */
const MODES = ["shared", "connection"] as const;

/** The SFU's ends of a bot's connected peer connections (werift's nominated pairs), as ports. */
function sfuPorts(bot: Bot): number[] {
  type Peer = { iceTransports: { connection: { nominated?: { remoteAddr: [string, number] } } }[] } | undefined;
  const peers = bot as unknown as { publisher: Peer; subscriber: Peer };
  return [peers.publisher, peers.subscriber]
    .flatMap((pc) => pc?.iceTransports.map((t) => t.connection.nominated?.remoteAddr[1]) ?? [])
    .filter((port): port is number => port !== undefined);
}

/** One junk datagram: random bytes, or made to look like STUN, RTP/RTCP or DTLS at first glance. */
function junk(i: number): Buffer {
  const body = randomBytes(20 + (i % 1200));
  switch (i % 4) {
    case 0: // STUN binding request header with the magic cookie and a random body
      body.writeUInt16BE(0x0001, 0);
      body.writeUInt16BE(body.length - 20, 2);
      body.writeUInt32BE(0x2112a442, 4);
      return body;
    case 1: // RTP/RTCP version 2
      body[0] = 0x80 | (body[0]! & 0x3f);
      return body;
    case 2: // DTLS handshake record
      body[0] = 22;
      body[1] = 0xfe;
      body[2] = 0xfd;
      return body;
    default:
      return body;
  }
}

describe.each(MODES)("junk datagrams at the media ports (RTC_UDP_SOCKETS=%s)", (udpSockets) => {
  let server: RunningServer;
  const bots = new TestBots(() => server.httpUrl);

  beforeAll(async () => {
    server = await startTestServer({ rtc: { udpSockets } });
  });

  afterAll(async () => {
    await bots.close();
    await server.close();
  });

  it("a live room keeps forwarding while 10 000 junk datagrams (2 000/s) hit the SFU's media ports", async () => {
    const ann = await bots.join("junk", "Ann", true);
    const bob = await bots.join("junk", "Bob", false);
    await expect.poll(() => bob.tracks("video")[0]?.packets ?? 0, { timeout: 20_000 }).toBeGreaterThan(50);

    // Only the SFU's sockets: the bots are werift clients in this process, not what is tested.
    // Shared: every connection of the room's thread on one port; else one per connection.
    const ports = [...new Set([...sfuPorts(ann), ...sfuPorts(bob)])];
    if (udpSockets === "shared") expect(ports).toHaveLength(1);
    else expect(ports.length).toBeGreaterThanOrEqual(2);
    const sprayer = createSocket("udp4");
    await new Promise<void>((resolve) => sprayer.bind(0, "127.0.0.1", resolve));
    const videoBefore = bob.tracks("video")[0]?.packets ?? 0;
    const audioBefore = bob.tracks("audio")[0]?.packets ?? 0;
    // 200 datagrams every 100 ms, round-robin over the ports.
    for (let sent = 0; sent < 10_000; ) {
      for (let k = 0; k < 200; k++, sent++) sprayer.send(junk(sent), ports[sent % ports.length]!, "127.0.0.1");
      await sleep(100);
    }
    sprayer.close();
    // Media went on during the spray (~5 s of 30 fps video and 50 packets/s audio), and still does.
    expect((bob.tracks("video")[0]?.packets ?? 0) - videoBefore).toBeGreaterThan(50);
    expect((bob.tracks("audio")[0]?.packets ?? 0) - audioBefore).toBeGreaterThan(50);
    const after = bob.tracks("video")[0]?.packets ?? 0;
    await expect.poll(() => bob.tracks("video")[0]?.packets ?? 0, { timeout: 10_000 }).toBeGreaterThan(after + 30);
    await expect.poll(() => server.rooms.stats().participants, { timeout: 10_000 }).toBe(2);
  });
});
