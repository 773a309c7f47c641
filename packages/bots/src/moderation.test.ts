import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PROTOCOL_VERSION, type ServerMessage } from "@confab/protocol";
import { signJoinToken, type RunningServer } from "@confab/server";
import { startTestServer, wsUrl, WireClient } from "@confab/server/testing";
import { Bot } from "./Bot.js";

let server: RunningServer;
let bots: Bot[] = [];
let clients: WireClient[] = [];
const tmp = mkdtempSync(join(tmpdir(), "confab-moderation-"));

beforeAll(async () => {
  const roomsFile = join(tmp, "rooms.json");
  // An operator's town hall: only moderators publish camera and microphone.
  writeFileSync(roomsFile, JSON.stringify({ "town-hall": { publish: { camera: "moderators", microphone: "moderators" } } }));
  server = await startTestServer({ auth: { persistPolicies: false, roomsFile } });
});

afterEach(async () => {
  await Promise.all(bots.map((b) => b.close()));
  for (const c of clients) c.close();
  bots = [];
  clients = [];
});

afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** A signaling-only moderator: the first to join a fresh open room moderates it. */
async function moderator(room: string): Promise<WireClient> {
  const c = await WireClient.joined(wsUrl(server), room, "Mod");
  clients.push(c);
  return c;
}

async function bot(room: string, name: string, publish: boolean, token?: string): Promise<Bot> {
  const b = new Bot({ url: server.httpUrl, room, name, publish: publish ? { video: true, audio: true } : {}, ...(token ? { token } : {}) });
  bots.push(b);
  await b.join();
  return b;
}

function token(room: string, identity: string, role: "moderator" | "participant" | "viewer"): Promise<string> {
  const { apiKey, apiSecret } = server.config.auth;
  return signJoinToken({ apiKey, apiSecret }, { room, identity, role }, { ttlSeconds: 600 });
}

/** Audio packets `receiver` got from `sender` so far. */
function audioFrom(receiver: Bot, sender: Bot): number {
  return receiver.tracks("audio").find((t) => t.participantId === sender.id)?.packets ?? 0;
}

/** Collects the errors a bot receives. */
function errorsOf(b: Bot): Extract<ServerMessage, { type: "error" }>[] {
  const errors: Extract<ServerMessage, { type: "error" }>[] = [];
  b.events.on("message", (m) => {
    if (m.type === "error") errors.push(m);
  });
  return errors;
}

describe("moderation in the media path", () => {
  it("a moderator's mute stops the SFU forwarding that microphone at once, until its owner unmutes", async () => {
    const mod = await moderator("mute-media");
    const bob = await bot("mute-media", "Bob", true);
    const carol = await bot("mute-media", "Carol", false);
    await expect.poll(() => audioFrom(carol, bob), { timeout: 15_000 }).toBeGreaterThan(50);
    mod.sendJson({ type: "moderate", command: { action: "mute", participantId: bob.id!, source: "microphone" } });
    await mod.next("track.muted");
    // Packets already in flight may still land; after that, nothing more arrives.
    await new Promise((r) => setTimeout(r, 500));
    const atMute = audioFrom(carol, bob);
    await new Promise((r) => setTimeout(r, 1500));
    expect(audioFrom(carol, bob)).toBe(atMute);
    // Bob decides to speak again: forwarding resumes.
    bob.send({ type: "mute", source: "microphone", muted: false });
    await expect.poll(() => audioFrom(carol, bob), { timeout: 10_000 }).toBeGreaterThan(atMute + 20);
  });

  it("a viewer cannot publish: the server refuses its offer's sections and nothing reaches the others", async () => {
    const room = "viewer-publish";
    await moderator(room);
    const carol = await bot(room, "Carol", false);
    const vic = new Bot({ url: server.httpUrl, room, name: "Vic", publish: { video: true, audio: true }, token: await token(room, "vic", "viewer") });
    bots.push(vic);
    const errors = errorsOf(vic);
    await vic.join();
    await expect.poll(() => errors.map((e) => e.code), { timeout: 10_000 }).toContain("FORBIDDEN");
    await new Promise((r) => setTimeout(r, 1500));
    expect(carol.tracks().filter((t) => t.participantId === vic.id)).toHaveLength(0);
  });

  it("in a room whose policy lets only moderators publish, a participant's camera and microphone are refused and a moderator's flow", async () => {
    const room = "town-hall";
    const host = await bot(room, "Host", true, await token(room, "host", "moderator"));
    const guest = new Bot({ url: server.httpUrl, room, name: "Guest", publish: { video: true, audio: true }, token: await token(room, "guest", "participant") });
    bots.push(guest);
    const errors = errorsOf(guest);
    await guest.join();
    await expect.poll(() => errors.map((e) => e.code), { timeout: 10_000 }).toContain("FORBIDDEN");
    // The guest still receives the host.
    await expect.poll(() => audioFrom(guest, host), { timeout: 15_000 }).toBeGreaterThan(20);
    const listener = await bot(room, "Listener", false, await token(room, "listener", "participant"));
    await expect.poll(() => audioFrom(listener, host), { timeout: 15_000 }).toBeGreaterThan(20);
    expect(listener.tracks().filter((t) => t.participantId === guest.id)).toHaveLength(0);
  });

  it("someone waiting in the lobby receives no media before being admitted", async () => {
    const room = "lobby-media";
    const mod = await moderator(room);
    await bot(room, "Bob", true);
    mod.sendJson({ type: "policy", change: { lobby: true } });
    await mod.next("policy");
    const waiting = await WireClient.connect(wsUrl(server));
    clients.push(waiting);
    waiting.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    await waiting.next("welcome");
    waiting.sendJson({ type: "join", room, name: "Carol" });
    await waiting.next("lobby");
    await new Promise((r) => setTimeout(r, 1500));
    expect(waiting.messages.map((m) => m.type)).toEqual([]);
  });
});
