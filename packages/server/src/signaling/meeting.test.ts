import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROTOCOL_VERSION, ErrorCode, MAX_CHAT_LENGTH } from "@confab/protocol";
import type { RunningServer } from "../server.js";
import { startTestServer, wsUrl, WireClient } from "../testing/index.js";

let server: RunningServer;
let url: string;

beforeAll(async () => {
  server = await startTestServer({ rooms: { chatHistorySize: 3 }, signaling: { maxChatPerSecond: 5 } });
  url = wsUrl(server);
});

afterAll(async () => {
  await server.close();
});

let roomSeq = 0;
const freshRoom = () => `meet-${roomSeq++}`;

describe("chat", () => {
  it("delivers a message to everyone in the room, the sender included, as plain text", async () => {
    const room = freshRoom();
    const ann = await WireClient.joined(url, room, "Ann");
    const bob = await WireClient.joined(url, room, "Bob");
    const hostile = '<img src=x onerror=alert(1)> <script>alert(2)</script> javascript:alert(3)';
    ann.sendJson({ type: "chat", text: `  ${hostile}\u0000  ` });
    for (const c of [ann, bob]) {
      const { message } = await c.next("chat");
      expect(message).toMatchObject({ name: "Ann", text: hostile });
      expect(message.participantId).toMatch(/^p/);
    }
    ann.close();
    bob.close();
  });

  it("gives a late joiner the room's last messages, oldest first and bounded", async () => {
    const room = freshRoom();
    const ann = await WireClient.joined(url, room, "Ann");
    for (const text of ["one", "two", "three", "four"]) {
      ann.sendJson({ type: "chat", text });
      await ann.next("chat");
    }
    const bob = await WireClient.joined(url, room, "Bob");
    const late = await WireClient.connect(url);
    late.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    await late.next("welcome");
    late.sendJson({ type: "join", room, name: "Cat" });
    const catJoined = await late.next("joined");
    expect(catJoined.chat.map((m) => m.text)).toEqual(["two", "three", "four"]);
    ann.close();
    bob.close();
    late.close();
  });

  it("forgets the history when the room empties", async () => {
    const room = freshRoom();
    const ann = await WireClient.joined(url, room, "Ann");
    ann.sendJson({ type: "chat", text: "secret" });
    await ann.next("chat");
    ann.close();
    await expect.poll(() => server.rooms.roomSize(room)).toBeUndefined();
    const c = await WireClient.connect(url);
    c.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    await c.next("welcome");
    c.sendJson({ type: "join", room, name: "Bob" });
    expect((await c.next("joined")).chat).toEqual([]);
    c.close();
  });

  it("rejects empty, oversized and pre-join messages with typed errors", async () => {
    const c = await WireClient.connect(url);
    c.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    await c.next("welcome");
    c.sendJson({ type: "chat", text: "too early" });
    expect(await c.next("error")).toMatchObject({ code: ErrorCode.NOT_JOINED, inReplyTo: "chat" });
    c.sendJson({ type: "join", room: freshRoom(), name: "Ann" });
    await c.next("joined");
    c.sendJson({ type: "chat", text: " \n\t " });
    expect(await c.next("error")).toMatchObject({ code: ErrorCode.BAD_MESSAGE, inReplyTo: "chat" });
    c.sendJson({ type: "chat", text: "x".repeat(MAX_CHAT_LENGTH + 1) });
    expect(await c.next("error")).toMatchObject({ code: ErrorCode.BAD_MESSAGE, inReplyTo: "chat" });
    c.sendJson({ type: "chat", text: 42 });
    expect(await c.next("error")).toMatchObject({ code: ErrorCode.BAD_MESSAGE });
    c.close();
  });

  it("rate-limits a flood without affecting the others", async () => {
    const room = freshRoom();
    const spammer = await WireClient.joined(url, room, "Spam");
    const bob = await WireClient.joined(url, room, "Bob");
    for (let i = 0; i < 12; i++) spammer.sendJson({ type: "chat", text: `spam ${i}` });
    expect(await spammer.next("error")).toMatchObject({ code: ErrorCode.RATE_LIMITED, fatal: false });
    bob.sendJson({ type: "chat", text: "still here" });
    await expect.poll(() => bob.messages.some((m) => m.type === "chat" && m.message.text === "still here")).toBe(true);
    spammer.close();
    bob.close();
  });
});

describe("hand and reactions", () => {
  it("shows a raised and lowered hand to everyone", async () => {
    const room = freshRoom();
    const ann = await WireClient.joined(url, room, "Ann");
    const bob = await WireClient.joined(url, room, "Bob");
    ann.sendJson({ type: "hand", raised: true });
    expect((await bob.next("participant.updated")).participant).toMatchObject({ name: "Ann", handRaised: true });
    expect((await ann.next("participant.updated")).participant.handRaised).toBe(true);
    const cat = await WireClient.connect(url);
    cat.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    await cat.next("welcome");
    cat.sendJson({ type: "join", room, name: "Cat" });
    const joined = await cat.next("joined");
    expect(joined.participants.find((p) => p.name === "Ann")?.handRaised).toBe(true);
    ann.sendJson({ type: "hand", raised: false });
    expect((await bob.next("participant.updated")).participant.handRaised).toBe(false);
    for (const c of [ann, bob, cat]) c.close();
  });

  it("relays a reaction from the fixed set and rejects anything else", async () => {
    const room = freshRoom();
    const ann = await WireClient.joined(url, room, "Ann");
    const bob = await WireClient.joined(url, room, "Bob");
    ann.sendJson({ type: "reaction", emoji: "🎉" });
    expect(await bob.next("reaction")).toMatchObject({ emoji: "🎉" });
    ann.sendJson({ type: "reaction", emoji: "<b>hi</b>" });
    expect(await ann.next("error")).toMatchObject({ code: ErrorCode.BAD_MESSAGE, inReplyTo: "reaction" });
    ann.close();
    bob.close();
  });
});

describe("view", () => {
  it("accepts the list of shown videos, ignoring tracks that do not exist", async () => {
    const ann = await WireClient.joined(url, freshRoom(), "Ann");
    ann.sendJson({ type: "view", tracks: [{ trackId: "p123-gone", width: 320, height: 180 }] });
    ann.sendJson({ type: "view", tracks: [{ trackId: "bad id!", width: -1, height: 1e9 }] });
    expect(await ann.next("error")).toMatchObject({ code: ErrorCode.BAD_MESSAGE, inReplyTo: "view" });
    expect(ann.messages.filter((m) => m.type === "error")).toHaveLength(0);
    ann.close();
  });
});

describe("probe", () => {
  it("connects a throw-away media connection before joining (ICE pair + DTLS)", async () => {
    const { RTCPeerConnection } = await import("werift");
    const c = await WireClient.connect(url);
    c.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    await c.next("welcome");
    const pc = new RTCPeerConnection({ iceServers: [], iceAdditionalHostAddresses: ["127.0.0.1"], iceUseIpv6: false });
    pc.createDataChannel("probe");
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === "complete") resolve();
      else pc.iceGatheringStateChange.subscribe((s) => s === "complete" && resolve());
    });
    c.sendJson({ type: "probe", sdp: pc.localDescription!.sdp });
    const { sdp } = await c.next("probe", 10_000);
    expect(sdp).toContain("a=candidate:");
    await pc.setRemoteDescription({ type: "answer", sdp });
    await expect.poll(() => pc.connectionState, { timeout: 10_000 }).toBe("connected");
    await pc.close();
    c.close();
  });

  it("rejects a probe that is not SDP", async () => {
    const c = await WireClient.connect(url);
    c.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    await c.next("welcome");
    c.sendJson({ type: "probe", sdp: "<html>" });
    expect(await c.next("error")).toMatchObject({ code: ErrorCode.BAD_MESSAGE, inReplyTo: "probe" });
    c.close();
  });
});
