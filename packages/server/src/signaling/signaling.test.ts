import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROTOCOL_VERSION, CloseCode, ErrorCode, MAX_SIGNAL_FRAME_BYTES } from "@confab/protocol";
import type { RunningServer } from "../server.js";
import { startTestServer, wsUrl, WireClient } from "../testing/index.js";

let server: RunningServer;
let url: string;

beforeAll(async () => {
  server = await startTestServer({ signaling: { maxInvalidMessages: 5, maxMessagesPerSecond: 200 } });
  url = wsUrl(server);
});

afterAll(async () => {
  await server.close();
});

async function hello(): Promise<WireClient> {
  const c = await WireClient.connect(url);
  c.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
  await c.next("welcome");
  return c;
}

describe("signaling handshake", () => {
  it("answers hello with welcome and the protocol version", async () => {
    const c = await WireClient.connect(url);
    c.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION, client: "test" });
    const w = await c.next("welcome");
    expect(w.protocolVersion).toBe(PROTOCOL_VERSION);
    c.close();
  });

  it("closes with 4001 when the first message is not hello", async () => {
    const c = await WireClient.connect(url);
    c.sendJson({ type: "join", room: "a", name: "x" });
    const err = await c.next("error");
    expect(err).toMatchObject({ code: ErrorCode.HANDSHAKE_REQUIRED, fatal: true });
    expect(await c.closed()).toBe(CloseCode.HANDSHAKE_REQUIRED);
  });

  it("closes with 4001 when the first frame is malformed JSON", async () => {
    const c = await WireClient.connect(url);
    c.sendRaw("{{{");
    expect(await c.closed()).toBe(CloseCode.HANDSHAKE_REQUIRED);
  });

  it("closes with 4002 on an unsupported protocol version", async () => {
    const c = await WireClient.connect(url);
    c.sendJson({ type: "hello", protocolVersion: 99 });
    const err = await c.next("error");
    expect(err).toMatchObject({ code: ErrorCode.UNSUPPORTED_VERSION, fatal: true });
    expect(await c.closed()).toBe(CloseCode.UNSUPPORTED_VERSION);
  });
});

describe("bad input after the handshake", () => {
  it("answers malformed JSON with BAD_JSON and keeps the session", async () => {
    const c = await hello();
    c.sendRaw("not json at all");
    expect((await c.next("error")).code).toBe(ErrorCode.BAD_JSON);
    c.sendJson({ type: "join", room: "still-works", name: "Ann" });
    expect((await c.next("joined")).room).toBe("still-works");
    c.close();
  });

  it("answers an unknown type with UNKNOWN_TYPE", async () => {
    const c = await hello();
    c.sendJson({ type: "format-disk" });
    const err = await c.next("error");
    expect(err).toMatchObject({ code: ErrorCode.UNKNOWN_TYPE, fatal: false, inReplyTo: "format-disk" });
    c.close();
  });

  it("answers wrong field types with BAD_MESSAGE", async () => {
    const c = await hello();
    c.sendJson({ type: "join", room: 42, name: ["x"] });
    expect((await c.next("error")).code).toBe(ErrorCode.INVALID_ROOM);
    c.sendJson({ type: "sdp", pc: "sideways", description: { type: "offer", sdp: "v=0" } });
    expect((await c.next("error")).code).toBe(ErrorCode.BAD_MESSAGE);
    c.close();
  });

  it("answers binary frames with BAD_MESSAGE", async () => {
    const c = await hello();
    c.sendRaw(Buffer.from([1, 2, 3]));
    expect((await c.next("error")).code).toBe(ErrorCode.BAD_MESSAGE);
    c.close();
  });

  it("answers an oversize frame with a fatal TOO_BIG error, then closes with 1009", async () => {
    const c = await hello();
    c.sendRaw("x".repeat(MAX_SIGNAL_FRAME_BYTES + 10));
    const error = await c.next("error");
    expect(error).toMatchObject({ code: ErrorCode.TOO_BIG, fatal: true });
    expect(await c.closed()).toBe(CloseCode.TOO_BIG);
  });

  it("cuts off a frame over twice the limit with 1009 without reading it", async () => {
    const c = await hello();
    c.sendRaw("x".repeat(2 * MAX_SIGNAL_FRAME_BYTES + 10));
    expect(await c.closed()).toBe(CloseCode.TOO_BIG);
  });

  it("answers messages that need a room with NOT_JOINED before join", async () => {
    const c = await hello();
    c.sendJson({ type: "mute", source: "microphone", muted: true });
    expect((await c.next("error")).code).toBe(ErrorCode.NOT_JOINED);
    c.close();
  });

  it("answers a view whose pinned is not a boolean with BAD_MESSAGE, and ignores pins of unknown tracks", async () => {
    const c = await WireClient.joined(url, "pins", "Ann");
    c.sendJson({ type: "view", tracks: [{ trackId: "p0-cam", width: 640, height: 360, pinned: "yes" }] });
    expect(await c.next("error")).toMatchObject({ code: ErrorCode.BAD_MESSAGE, fatal: false, inReplyTo: "view" });
    c.sendJson({ type: "view", tracks: [{ trackId: "p0-nobody", width: 640, height: 360, pinned: true }] });
    // The session goes on and nothing complains: a later message is answered as usual.
    c.sendJson({ type: "hand", raised: true });
    expect((await c.next("participant.updated")).participant.handRaised).toBe(true);
    expect(c.messages.filter((m) => m.type === "error")).toHaveLength(0);
    c.close();
  });

  it("closes with 4000 after too many invalid messages", async () => {
    const c = await hello();
    for (let i = 0; i < 10; i++) c.sendRaw("nope");
    expect(await c.closed()).toBe(CloseCode.PROTOCOL_ERROR);
  });
});

describe("rooms", () => {
  it("refuses a second join on the same socket with ALREADY_JOINED and keeps the first", async () => {
    const a = await WireClient.joined(url, "double", "Ann");
    a.sendJson({ type: "join", room: "elsewhere", name: "Ann" });
    expect((await a.next("error")).code).toBe(ErrorCode.ALREADY_JOINED);
    const b = await WireClient.joined(url, "double", "Bob");
    expect((await a.next("participant.joined")).participant.name).toBe("Bob");
    expect(await server.rooms.roomSize("elsewhere")).toBeUndefined();
    a.close();
    b.close();
  });

  it("keeps the room intact while one member sends garbage", async () => {
    const a = await WireClient.joined(url, "sturdy", "Ann");
    const b = await WireClient.joined(url, "sturdy", "Bob");
    await a.next("participant.joined");
    for (const frame of ["{", '{"type":"nope"}', '{"type":"mute","source":"x","muted":1}', '{"type":"sdp"}']) {
      b.sendRaw(frame);
      await b.next("error");
    }
    b.sendJson({ type: "sdp", pc: "publisher", description: { type: "offer", sdp: "v=0\r\nnot really sdp" }, tracks: [] });
    expect((await b.next("error")).fatal).toBe(false);
    const c = await WireClient.joined(url, "sturdy", "Cat");
    expect((await a.next("participant.joined")).participant.name).toBe("Cat");
    expect((await b.next("participant.joined")).participant.name).toBe("Cat");
    expect(a.messages.filter((m) => m.type === "participant.left")).toHaveLength(0);
    expect(await server.rooms.roomSize("sturdy")).toBe(3);
    for (const x of [a, b, c]) x.close();
  });

  it("tells the others when someone leaves, and closes the leaver's socket", async () => {
    const a = await WireClient.joined(url, "leaving", "Ann");
    const b = await WireClient.joined(url, "leaving", "Bob");
    const bob = (await a.next("participant.joined")).participant;
    b.sendJson({ type: "leave" });
    await b.next("left");
    expect(await b.closed()).toBe(CloseCode.NORMAL);
    const left = await a.next("participant.left");
    expect(left).toMatchObject({ participantId: bob.id, reason: "left" });
    a.close();
  });

  it("removes a participant whose connection drops within 2 seconds", async () => {
    const a = await WireClient.joined(url, "dropping", "Ann");
    const b = await WireClient.joined(url, "dropping", "Bob");
    await a.next("participant.joined");
    const t0 = Date.now();
    b.terminate();
    const left = await a.next("participant.left", 2000);
    expect(left.reason).toBe("disconnected");
    expect(Date.now() - t0).toBeLessThan(2000);
    a.close();
  });

  it("deletes a room when its last participant leaves", async () => {
    const a = await WireClient.joined(url, "ephemeral", "Ann");
    expect(await server.rooms.roomSize("ephemeral")).toBe(1);
    a.close();
    await expect.poll(() => server.rooms.roomSize("ephemeral")).toBeUndefined();
  });

  it("lists people already in the room to a late joiner", async () => {
    const a = await WireClient.joined(url, "late", "Ann");
    const b = await WireClient.joined(url, "late", "Bob");
    const c = await WireClient.connect(url);
    c.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    await c.next("welcome");
    c.sendJson({ type: "join", room: "late", name: "Cat" });
    const joined = await c.next("joined");
    expect(joined.participants.map((p) => p.name).sort()).toEqual(["Ann", "Bob"]);
    for (const x of [a, b, c]) x.close();
  });

  it("refuses a join beyond the room size limit with ROOM_FULL", async () => {
    const small = await startTestServer({ rooms: { maxParticipants: 1 } });
    const u = wsUrl(small);
    const a = await WireClient.joined(u, "tiny", "Ann");
    const b = await WireClient.connect(u);
    b.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    await b.next("welcome");
    b.sendJson({ type: "join", room: "tiny", name: "Bob" });
    expect((await b.next("error")).code).toBe(ErrorCode.ROOM_FULL);
    a.close();
    b.close();
    await small.close();
  });
});

describe("liveness and ICE restart requests", () => {
  it("answers ping with pong, before and after joining", async () => {
    const c = await hello();
    c.sendJson({ type: "ping" });
    await c.next("pong");
    c.sendJson({ type: "join", room: "pingers", name: "Ann" });
    await c.next("joined");
    c.sendJson({ type: "ping" });
    await c.next("pong");
    c.close();
  });

  it("refuses ice-restart outside a room with NOT_JOINED", async () => {
    const c = await hello();
    c.sendJson({ type: "ice-restart" });
    expect(await c.next("error")).toMatchObject({ code: ErrorCode.NOT_JOINED, inReplyTo: "ice-restart" });
    c.close();
  });
});
