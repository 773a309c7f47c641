import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RTCPeerConnection } from "werift";
import { ErrorCode } from "@confab/protocol";
import { FAILING_OFFERS, GOOD_OFFER, GOOD_OFFER_TRACKS } from "../fuzz/failingOffers.js";
import type { RunningServer } from "../server.js";
import { startTestServer, wsUrl, WireClient } from "../testing/index.js";

/** Rounds over every failing-offer class (26 classes: 312 failing offers). */
const ROUNDS = 12;

let server: RunningServer;

beforeAll(async () => {
  // Rooms in this thread (no worker), so this process's timers are the SFU's too; no message
  // rate limit or invalid-message count gets in the way of a few hundred offers from one socket.
  // A socket per connection, so what werift opens per transport shows as UDP sockets (the
  // shared socket stays open for the thread's life).
  server = await startTestServer({
    workers: 0,
    rtc: { udpSockets: "connection" },
    auth: { persistPolicies: false },
    signaling: { maxMessagesPerSecond: 100_000, maxInvalidMessages: 100_000 },
  });
});

afterAll(async () => {
  await server.close();
});

/** Inodes of the UDP sockets of this network namespace (proc(5)). */
function udpInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const file of ["udp", "udp6"]) {
    for (const line of readFileSync(`/proc/self/net/${file}`, "utf8").split("\n").slice(1)) {
      const inode = line.trim().split(/\s+/)[9];
      if (inode) inodes.add(inode);
    }
  }
  return inodes;
}

/** What this process holds: descriptors, UDP sockets among them, and active timers. */
function held(): { fds: number; udpSockets: number; timers: number } {
  const udp = udpInodes();
  const fds = readdirSync("/proc/self/fd");
  let udpSockets = 0;
  for (const fd of fds) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
      if (inode && udp.has(inode)) udpSockets++;
    } catch {
      // closed while we looked
    }
  }
  return { fds: fds.length, udpSockets, timers: process.getActiveResourcesInfo().filter((r) => r === "Timeout").length };
}

async function sendGoodOffer(client: WireClient): Promise<string> {
  client.sendJson({ type: "sdp", pc: "publisher", description: { type: "offer", sdp: GOOD_OFFER }, tracks: GOOD_OFFER_TRACKS });
  return (await client.next("sdp")).description.sdp;
}

describe("offers that fail", () => {
  it(`${ROUNDS * FAILING_OFFERS.length} failing offers of ${FAILING_OFFERS.length} kinds each get BAD_MESSAGE with the reason; the participant stays usable and sockets, descriptors and timers come back`, async () => {
    // A session first, so what opens once (certificates, lazily loaded modules) is in the baseline.
    const warm = await WireClient.joined(wsUrl(server), "failing-warm", "Warm");
    await sendGoodOffer(warm);
    warm.close();
    await expect.poll(() => server.rooms.stats().participants, { timeout: 10_000 }).toBe(0);
    await expect.poll(() => held().udpSockets, { timeout: 10_000 }).toBe(0);
    const baseline = held();

    const first = await WireClient.joined(wsUrl(server), "failing-first", "First");
    const renegotiating = await WireClient.joined(wsUrl(server), "failing-renegotiation", "Renegotiating");
    await sendGoodOffer(renegotiating);
    // The one publisher connection that took an offer: its sockets are what may stay open.
    const connected = held();

    const reasons = new Map<string, string[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const failing of FAILING_OFFERS) {
        const client = failing.renegotiation ? renegotiating : first;
        client.sendJson({ type: "sdp", pc: "publisher", description: { type: "offer", sdp: failing.offer(round) }, tracks: [] });
        const error = await client.next("error");
        expect([error.code, error.fatal, error.inReplyTo], failing.name).toEqual([ErrorCode.BAD_MESSAGE, false, "sdp"]);
        reasons.set(failing.name, [...(reasons.get(failing.name) ?? []), error.message]);
      }
    }
    for (const failing of FAILING_OFFERS) {
      expect(reasons.get(failing.name), failing.name).toHaveLength(ROUNDS);
      for (const reason of reasons.get(failing.name)!) expect(reason, failing.name).toMatch(failing.reason);
    }
    // Nothing opened while the offers failed: neither participant holds more than before them.
    expect(held().udpSockets).toBe(connected.udpSockets);
    expect(held().fds).toBeLessThanOrEqual(connected.fds);

    // Both still negotiate, and their answers have the offer's two sections, nothing more.
    for (const client of [first, renegotiating]) {
      const answer = await sendGoodOffer(client);
      expect(answer.match(/^m=/gm)).toHaveLength(2);
      client.sendJson({ type: "chat", text: "still here" });
      expect((await client.next("chat")).message.text).toBe("still here");
    }
    // One transport each, as for any publisher (a failed re-offer without mids left werift a
    // second transport, whose sockets opened at the next good offer).
    const perConnection = connected.udpSockets - baseline.udpSockets;
    expect(perConnection).toBeGreaterThan(0);
    expect(held().udpSockets - baseline.udpSockets).toBe(2 * perConnection);
    first.close();
    renegotiating.close();
    await expect.poll(() => server.rooms.stats().participants, { timeout: 10_000 }).toBe(0);
    await expect.poll(() => held().udpSockets, { timeout: 15_000 }).toBe(baseline.udpSockets);
    await expect.poll(() => held().fds, { timeout: 15_000 }).toBeLessThanOrEqual(baseline.fds);
    // Not expect.poll: its own timer would be counted.
    let timers = held().timers;
    for (let waited = 0; timers > baseline.timers && waited < 20_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      timers = held().timers;
    }
    expect(timers).toBeLessThanOrEqual(baseline.timers);
  }, 120_000);

  it("subscriber answers that fail (actpass, sections not the offer's, no or unverifiable fingerprint, no common codec) get BAD_MESSAGE with the reason, and the right answer is still taken", async () => {
    const ann = await WireClient.joined(wsUrl(server), "failing-answers", "Ann");
    await sendGoodOffer(ann);
    const bob = await WireClient.joined(wsUrl(server), "failing-answers", "Bob");
    const offer = await bob.next("sdp", 15_000);
    expect([offer.pc, offer.description.type]).toEqual(["subscriber", "offer"]);
    // Bob's side: a werift connection makes the answer a client would.
    const client = new RTCPeerConnection({ iceServers: [] });
    await client.setRemoteDescription(offer.description);
    await client.setLocalDescription(await client.createAnswer());
    const good = client.localDescription!.sdp;
    const firstMid = /^a=mid:(\S+)/m.exec(good)![1]!;
    const failing: [string, string, RegExp][] = [
      ["a=setup:actpass", good.replace(/^a=setup:\w+/gm, "a=setup:actpass"), /answer's a=setup must be active or passive/],
      ["one section more", good + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:extra\r\na=rtpmap:96 VP8/90000\r\n", /more than \d+ media sections/],
      ["a section's mid changed", good.replace(`a=mid:${firstMid}\r\n`, "a=mid:other\r\n").replace(/^a=group:BUNDLE.*\r\n/m, ""), /has mid other, not/],
      ["no fingerprint", good.replace(/^a=fingerprint:.*\r\n/gm, ""), /no a=fingerprint/],
      ["an md5 fingerprint", good.replace(/^a=fingerprint:\S+ /gm, "a=fingerprint:md5 "), /fingerprint hash md5/],
      ["no codec in common (werift refuses it)", good.replace(/VP8\/90000/g, "H264/90000").replace(/opus\/48000/g, "G722/8000"), /No common codec/],
    ];
    for (let round = 0; round < 5; round++) {
      for (const [name, sdp, reason] of failing) {
        bob.sendJson({ type: "sdp", pc: "subscriber", description: { type: "answer", sdp } });
        const error = await bob.next("error");
        expect([error.code, error.fatal, error.inReplyTo], name).toEqual([ErrorCode.BAD_MESSAGE, false, "sdp"]);
        expect(error.message, name).toMatch(reason);
      }
    }
    // The server's subscriber connection starts connecting once it has taken an answer.
    const bobsSubscriber = async () => {
      const [room] = await server.rooms.snapshot("failing-answers");
      return room?.participants.find((p) => p.id === bob.joinedMessage?.self.id)?.connections.subscriber;
    };
    expect(await bobsSubscriber()).toBe("new");
    bob.sendJson({ type: "sdp", pc: "subscriber", description: { type: "answer", sdp: good } });
    await expect.poll(bobsSubscriber, { timeout: 15_000 }).not.toBe("new");
    expect(bob.messages.filter((m) => m.type === "error")).toEqual([]);
    await client.close();
    ann.close();
    bob.close();
  }, 60_000);
});
