import { readdirSync, readlinkSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, PROTOCOL_VERSION } from "@confab/protocol";
import type { RunningServer } from "../server.js";
import { startTestServer, videoOffer as offer, wsUrl, WireClient } from "../testing/index.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startTestServer({ auth: { persistPolicies: false } });
});

afterAll(async () => {
  await server.close();
});

describe("hostile offers", () => {
  it("refuses an offer with 152 media sections before werift sees it, and the participant stays usable", async () => {
    const ann = await WireClient.joined(wsUrl(server), "hostile-1", "Ann");
    ann.sendJson({ type: "sdp", pc: "publisher", description: { type: "offer", sdp: offer(152) }, tracks: [] });
    const error = await ann.next("error");
    expect(error).toMatchObject({ code: ErrorCode.BAD_MESSAGE, fatal: false, inReplyTo: "sdp" });
    expect(error.message).toMatch(/media sections/);
    ann.sendJson({ type: "chat", text: "still here" });
    expect((await ann.next("chat")).message.text).toBe("still here");
    ann.close();
  });

  it("refuses a probe (allowed before joining) with 152 media sections before werift sees it", async () => {
    const anon = await WireClient.connect(wsUrl(server));
    anon.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    await anon.next("welcome");
    anon.sendJson({ type: "probe", sdp: offer(152) });
    const error = await anon.next("error");
    expect(error).toMatchObject({ code: ErrorCode.BAD_MESSAGE, fatal: false, inReplyTo: "probe" });
    expect(error.message).toMatch(/media sections|longer than/);
    anon.close();
  });

  it("refuses an offer that repeats its BUNDLE group (werift leaked two UDP sockets per session on it)", async () => {
    const ann = await WireClient.joined(wsUrl(server), "hostile-2", "Ann");
    ann.sendJson({ type: "sdp", pc: "publisher", description: { type: "offer", sdp: offer(2, { bundleLines: 2 }) }, tracks: [] });
    const error = await ann.next("error");
    expect(error.code).toBe(ErrorCode.BAD_MESSAGE);
    expect(error.message).toMatch(/BUNDLE/);
    ann.close();
  });

  it("refuses trickled ICE candidates past 30 per connection, and host names, with BAD_MESSAGE and the reason; the participant stays usable", async () => {
    const ann = await WireClient.joined(wsUrl(server), "hostile-3", "Ann");
    ann.sendJson({ type: "sdp", pc: "publisher", description: { type: "offer", sdp: offer(2) }, tracks: [] });
    await ann.next("sdp");
    // Loopback addresses nobody listens on (the test server announces loopback, so they are allowed).
    for (let i = 0; i < 32; i++) {
      const candidate = `candidate:${i} 1 udp 2122260223 127.0.20.${i + 1} 40000 typ host`;
      ann.sendJson({ type: "ice", pc: "publisher", candidate: { candidate, sdpMid: "0", sdpMLineIndex: 0 } });
    }
    ann.sendJson({ type: "ice", pc: "publisher", candidate: { candidate: "candidate:x 1 udp 1 stun.example.org 3478 typ host", sdpMid: "0" } });
    const errors = [await ann.next("error"), await ann.next("error"), await ann.next("error")];
    expect(errors.map((e) => [e.code, e.inReplyTo, e.fatal])).toEqual(Array.from({ length: 3 }, () => [ErrorCode.BAD_MESSAGE, "ice", false]));
    expect(errors.map((e) => e.message)).toEqual([
      "candidate refused: this connection has 30 ICE candidates already",
      "candidate refused: this connection has 30 ICE candidates already",
      "candidate refused: host name candidates must be mDNS .local names",
    ]);
    ann.sendJson({ type: "chat", text: "still here" });
    expect((await ann.next("chat")).message.text).toBe("still here");
    ann.close();
  });

  it("50 sessions whose renegotiation offer repeats its BUNDLE group leave no UDP socket or fd open behind them (werift leaked 2 each)", async () => {
    const openFds = () => readdirSync("/proc/self/fd").length;
    // One session first, so lazily opened files (worker, native modules) are in the baseline.
    const warm = await WireClient.joined(wsUrl(server), "hostile-fd-warm", "Warm");
    warm.sendJson({ type: "sdp", pc: "publisher", description: { type: "offer", sdp: offer(2) }, tracks: [] });
    await warm.next("sdp");
    warm.close();
    await expect.poll(() => server.rooms.stats().participants, { timeout: 10_000 }).toBe(0);
    const before = openFds();
    for (let i = 0; i < 50; i++) {
      const ann = await WireClient.joined(wsUrl(server), `hostile-fd-${i}`, "Ann");
      ann.sendJson({ type: "sdp", pc: "publisher", description: { type: "offer", sdp: offer(2) }, tracks: [] });
      await ann.next("sdp");
      ann.sendJson({ type: "sdp", pc: "publisher", description: { type: "offer", sdp: offer(2, { bundleLines: 2 }) }, tracks: [] });
      // Refused today (the test above); without the bound werift took it and leaked. Either way
      // the session then leaves, and what counts is what it left open.
      ann.sendJson({ type: "chat", text: "after" });
      await ann.next("chat");
      ann.close();
    }
    await expect.poll(() => server.rooms.stats().participants, { timeout: 10_000 }).toBe(0);
    await expect.poll(openFds, { timeout: 15_000 }).toBeLessThanOrEqual(before);
  });
});

describe("media-plane limits per participant: typed errors, the session kept", () => {
  it("refuses a publisher offer that declares one source on two tracks with BAD_MESSAGE (one track per source)", async () => {
    const ann = await WireClient.joined(wsUrl(server), "limits-1", "Ann");
    const tracks = ["0", "1"].map((mid) => ({ mid, kind: "video", source: "camera", muted: false }));
    ann.sendJson({ type: "sdp", pc: "publisher", description: { type: "offer", sdp: offer(2) }, tracks });
    const error = await ann.next("error");
    expect(error).toMatchObject({ code: ErrorCode.BAD_MESSAGE, fatal: false, inReplyTo: "sdp", message: "source camera declared twice" });
    ann.sendJson({ type: "sdp", pc: "publisher", description: { type: "offer", sdp: offer(2) }, tracks: tracks.slice(0, 1) });
    expect((await ann.next("sdp")).description.type).toBe("answer");
    ann.close();
  });

  it("refuses a publisher offer with 9 media sections (at most 8) with BAD_MESSAGE and takes one with 8", async () => {
    const ann = await WireClient.joined(wsUrl(server), "limits-2", "Ann");
    ann.sendJson({ type: "sdp", pc: "publisher", description: { type: "offer", sdp: offer(9) }, tracks: [] });
    const error = await ann.next("error");
    expect(error).toMatchObject({ code: ErrorCode.BAD_MESSAGE, fatal: false, inReplyTo: "sdp" });
    expect(error.message).toMatch(/more than 8 media sections/);
    ann.sendJson({ type: "sdp", pc: "publisher", description: { type: "offer", sdp: offer(8) }, tracks: [] });
    expect((await ann.next("sdp")).description.type).toBe("answer");
    ann.close();
  });

  it("refuses an offer on the subscriber connection with BAD_MESSAGE: a participant has one connection to publish on", async () => {
    const ann = await WireClient.joined(wsUrl(server), "limits-3", "Ann");
    ann.sendJson({ type: "sdp", pc: "subscriber", description: { type: "offer", sdp: offer(1) }, tracks: [] });
    const error = await ann.next("error");
    expect(error).toMatchObject({ code: ErrorCode.BAD_MESSAGE, fatal: false, inReplyTo: "sdp", message: "the subscriber connection takes answers" });
    ann.sendJson({ type: "chat", text: "still here" });
    expect((await ann.next("chat")).message.text).toBe("still here");
    ann.close();
  });

  it("answers a second publisher offer on the same connection: it renegotiates, and the SFU opens no new media socket", async () => {
    const sockets = () => readdirSync("/proc/self/fd").filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith("socket:");
      } catch {
        return false; // closed meanwhile
      }
    }).length;
    const ann = await WireClient.joined(wsUrl(server), "limits-4", "Ann");
    ann.sendJson({ type: "sdp", pc: "publisher", description: { type: "offer", sdp: offer(2) }, tracks: [] });
    await ann.next("sdp");
    const before = sockets();
    for (let i = 0; i < 5; i++) {
      ann.sendJson({ type: "sdp", pc: "publisher", description: { type: "offer", sdp: offer(2) }, tracks: [] });
      expect((await ann.next("sdp")).description.type).toBe("answer");
    }
    expect(sockets()).toBeLessThanOrEqual(before);
    ann.close();
  });
});
