import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CloseCode, PROTOCOL_VERSION, type ServerMessage } from "@confab/protocol";
import { signAdminToken, signJoinToken, type RunningServer } from "@confab/server";
import { startTestServer, wsUrl, WireClient } from "@confab/server/testing";
import { Bot } from "./Bot.js";

/** What GET /api/rooms/:room answers (the fields these tests read). */
interface RoomView {
  name: string;
  worker?: number;
  policy: { locked: boolean; lobby: boolean };
  participants: {
    id: string;
    name: string;
    role: string;
    icePath: string | null;
    connections: { publisher: string; subscriber: string };
    tracks: { id: string; source: string; kind: string; muted: boolean; subscribers: number }[];
  }[];
}

describe.each([
  { workers: 1, where: "on an SFU worker" },
  { workers: 0, where: "in the main thread (WORKERS=0)" },
])("admin API, rooms $where", ({ workers }) => {
  let server: RunningServer;
  let bots: Bot[] = [];
  let clients: WireClient[] = [];
  let seq = 0;
  const fresh = (prefix: string) => `${prefix}-${workers}-${seq++}`;

  beforeAll(async () => {
    // Failed logins are limited per address; these tests make many on purpose.
    server = await startTestServer({ workers, auth: { persistPolicies: false, adminLoginFailuresPerMinute: 1000 } });
  });

  afterEach(async () => {
    await Promise.all(bots.map((b) => b.close()));
    for (const c of clients) c.close();
    bots = [];
    clients = [];
  });

  afterAll(async () => {
    await server.close();
  });

  const goodAuth = () => `Basic ${Buffer.from(`${server.config.auth.apiKey}:${server.config.auth.apiSecret}`).toString("base64")}`;

  /** One admin request; `auth: null` sends no credentials, a string sends that header. */
  async function api(method: string, path: string, options: { body?: unknown; auth?: string | null; raw?: string; type?: string } = {}) {
    const headers: Record<string, string> = {};
    const auth = options.auth === undefined ? goodAuth() : options.auth;
    if (auth !== null) headers.authorization = auth;
    let body: string | undefined;
    if (options.raw !== undefined || options.body !== undefined) {
      headers["content-type"] = options.type ?? "application/json";
      body = options.raw ?? JSON.stringify(options.body);
    }
    const res = await fetch(`${server.httpUrl}/api${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  }

  async function joined(room: string, name: string): Promise<WireClient> {
    const c = await WireClient.joined(wsUrl(server), room, name);
    clients.push(c);
    return c;
  }

  async function publisher(room: string, name: string): Promise<Bot> {
    const b = new Bot({ url: server.httpUrl, room, name, publish: { video: true, audio: true } });
    bots.push(b);
    await b.join();
    return b;
  }

  async function roomView(room: string): Promise<RoomView> {
    const res = await api("GET", `/rooms/${room}`);
    expect(res.status).toBe(200);
    return res.json as unknown as RoomView;
  }

  /** A meeting: a moderator (signaling only), Bob publishing camera and microphone, Cat idle. */
  async function meeting(room: string) {
    const mod = await joined(room, "Mod");
    const bob = await publisher(room, "Bob");
    const cat = await joined(room, "Cat");
    await expect.poll(async () => (await roomView(room)).participants.find((p) => p.id === bob.id)?.tracks.length ?? 0, { timeout: 15_000 }).toBe(2);
    return { mod, bob, cat };
  }

  it("GET /api/rooms lists every meeting with its participants, their tracks, ICE path and connection states", async () => {
    const room = fresh("list");
    const { bob, cat } = await meeting(room);
    const other = fresh("list-other");
    await joined(other, "Dan");

    const res = await api("GET", "/rooms");
    expect(res.status).toBe(200);
    const rooms = (res.json as { rooms: RoomView[] }).rooms;
    expect(rooms.map((r) => r.name)).toEqual(expect.arrayContaining([room, other]));
    const view = rooms.find((r) => r.name === room)!;
    expect(view.participants.map((p) => p.name)).toEqual(["Mod", "Bob", "Cat"]);
    expect(view.participants[0]!.role).toBe("moderator");
    if (workers > 0) expect(view.worker).toBe(0);
    else expect(view.worker).toBeUndefined();
    const bobView = view.participants.find((p) => p.id === bob.id)!;
    expect(bobView.tracks.map((t) => t.source).sort()).toEqual(["camera", "microphone"]);
    // Bob's media comes in over loopback UDP: the SFU reports the path of its connection.
    await expect
      .poll(async () => {
        const p = (await roomView(room)).participants.find((x) => x.id === bob.id)!;
        return { publisher: p.connections.publisher, icePath: p.icePath };
      }, { timeout: 15_000 })
      .toEqual({ publisher: "connected", icePath: "udp" });
    expect(view.participants.find((p) => p.name === "Cat")!.tracks).toEqual([]);
    expect(cat.joinedMessage?.self.name).toBe("Cat");

    expect((await api("GET", `/rooms/${other}`)).json).toMatchObject({ name: other, participants: [{ name: "Dan" }] });
    expect((await api("GET", "/rooms/nobody-here")).status).toBe(404);
    expect((await api("GET", "/rooms/bad%20name")).status).toBe(400);
  });

  it("POST /api/rooms sets a room's policy for its next meeting, validated, and refuses it while a meeting is in progress", async () => {
    const room = fresh("create");
    const created = await api("POST", "/rooms", { body: { name: room, policy: { locked: true, publish: { screen: "moderators" } } } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: room, policy: { locked: true, hasPassword: false, publish: { screen: "moderators", camera: "everyone" } } });
    // The policy holds: the room is locked to anyone without a moderator token.
    const dan = await WireClient.connect(wsUrl(server));
    clients.push(dan);
    dan.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    await dan.next("welcome");
    dan.sendJson({ type: "join", room, name: "Dan" });
    expect((await dan.next("error")).code).toBe("ROOM_LOCKED");

    const live = fresh("create-live");
    await joined(live, "Ann");
    expect((await api("POST", "/rooms", { body: { name: live, policy: { lobby: true } } })).status).toBe(409);

    for (const body of [{ name: "bad name" }, { name: room, policy: { lobbby: true } }, { name: room, policy: { maxParticipants: 0 } }, { name: room, extra: 1 }, []]) {
      const res = await api("POST", "/rooms", { body });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: { code: "BAD_MESSAGE" } });
    }
    expect((await api("POST", "/rooms", { raw: "{not json" })).status).toBe(400);
    expect((await api("POST", "/rooms", { raw: "name=x", type: "application/x-www-form-urlencoded" })).status).toBe(415);
    const big = await api("POST", "/rooms", { body: { name: room, policy: { moderators: Array.from({ length: 2000 }, (_, i) => `user-${i}`) } } });
    expect(big.status).toBe(413);
    expect(big.json).toMatchObject({ error: { code: "TOO_BIG" } });
  });

  it("POST …/participants/:id/mute mutes a participant's microphone as a moderator would, and stops a track named by id", async () => {
    const room = fresh("mute");
    const { mod, bob } = await meeting(room);
    const bobMessages: ServerMessage[] = [];
    bob.events.on("message", (m) => bobMessages.push(m));

    expect((await api("POST", `/rooms/${room}/participants/${bob.id}/mute`, { body: { source: "microphone" } })).status).toBe(204);
    const muted = await mod.next("track.muted");
    expect(muted).toMatchObject({ participantId: bob.id, muted: true });
    await expect.poll(() => bobMessages.find((m) => m.type === "moderated")).toMatchObject({ event: { action: "muted", source: "microphone", by: "Administrator" } });

    const camera = (await roomView(room)).participants.find((p) => p.id === bob.id)!.tracks.find((t) => t.source === "camera")!;
    expect((await api("POST", `/rooms/${room}/participants/${bob.id}/mute`, { body: { trackId: camera.id } })).status).toBe(204);
    await expect
      .poll(async () => (await roomView(room)).participants.find((p) => p.id === bob.id)!.tracks.map((t) => [t.source, t.muted]).sort())
      .toEqual([
        ["camera", true],
        ["microphone", true],
      ]);

    expect((await api("POST", `/rooms/${room}/participants/${bob.id}/mute`, { body: { source: "screen" } })).status).toBe(404);
    expect((await api("POST", `/rooms/${room}/participants/pnobody/mute`, { body: { source: "microphone" } })).status).toBe(404);
    expect((await api("POST", `/rooms/${room}/participants/${bob.id}/mute`, { body: { source: "microphone", trackId: camera.id } })).status).toBe(400);
  });

  it("DELETE …/participants/:id removes a participant (closed with REMOVED), and POST …/end ends the meeting for everyone", async () => {
    const room = fresh("remove");
    const mod = await joined(room, "Mod");
    const cat = await joined(room, "Cat");
    const catId = cat.joinedMessage!.self.id;
    expect((await api("DELETE", `/rooms/${room}/participants/${catId}`)).status).toBe(204);
    expect(await cat.next("removed")).toMatchObject({ by: "Administrator" });
    expect(await cat.closed()).toBe(CloseCode.REMOVED);
    expect((await mod.next("participant.left")).reason).toBe("kicked");
    expect((await api("DELETE", `/rooms/${room}/participants/${catId}`)).status).toBe(404);

    expect((await api("POST", `/rooms/${room}/end`)).status).toBe(204);
    expect(await mod.next("ended")).toMatchObject({ by: "Administrator" });
    expect(await mod.closed()).toBe(CloseCode.ROOM_ENDED);
    await expect.poll(async () => (await api("GET", `/rooms/${room}`)).status).toBe(404);
    expect((await api("POST", `/rooms/${room}/end`)).status).toBe(404);
  });

  it("every verb without credentials, or with wrong ones, gets 401 and changes nothing", async () => {
    const room = fresh("guarded");
    const { bob, cat } = await meeting(room);
    const catId = cat.joinedMessage!.self.id;
    const target = fresh("guarded-new");
    const { apiKey, apiSecret } = server.config.auth;
    const basic = (s: string) => `Basic ${Buffer.from(s).toString("base64")}`;
    const wrong: (string | null)[] = [
      null,
      basic(`${apiKey}:${apiSecret}x`),
      basic(`${apiKey}x:${apiSecret}`),
      basic(`${apiKey}:`),
      `Bearer ${apiSecret}`,
      "Basic !!!",
      // A join link's token, even a moderator's, is no admin credential.
      `Bearer ${await signJoinToken({ apiKey, apiSecret }, { room, identity: "mod", role: "moderator" }, { ttlSeconds: 600 })}`,
    ];
    const verbs: [string, string, unknown?][] = [
      ["GET", "/rooms"],
      ["GET", `/rooms/${room}`],
      ["POST", "/rooms", { name: target, policy: { locked: true } }],
      ["POST", `/rooms/${room}/participants/${bob.id}/mute`, { source: "microphone" }],
      ["DELETE", `/rooms/${room}/participants/${catId}`],
      ["POST", `/rooms/${room}/end`],
    ];
    const before = await roomView(room);
    for (const [method, path, body] of verbs) {
      for (const auth of wrong) {
        const res = await api(method, path, { auth, ...(body !== undefined ? { body } : {}) });
        expect(res.status, `${method} ${path} with ${auth ?? "no credentials"}`).toBe(401);
        expect(res.json).toEqual({ error: { code: "AUTH_REQUIRED", message: expect.any(String) } });
        expect(res.headers.get("www-authenticate")).toMatch(/^Basic /);
      }
    }
    // Nothing changed: the same people with the same tracks, nobody muted, removed or ended…
    const after = await roomView(room);
    const summary = (v: RoomView) => v.participants.map((p) => ({ id: p.id, role: p.role, tracks: p.tracks.map((t) => [t.id, t.muted]) }));
    expect(summary(after)).toEqual(summary(before));
    expect(after.participants.find((p) => p.id === bob.id)!.tracks.every((t) => !t.muted)).toBe(true);
    expect(cat.closeCode).toBeUndefined();
    // …and the room nobody was allowed to create is not locked.
    const eve = await joined(target, "Eve");
    expect(eve.joinedMessage?.policy.locked).toBe(false);
  });

  it("takes a short-lived admin token (Bearer, HS256 under the API secret) instead of the key and secret", async () => {
    const room = fresh("bearer");
    await joined(room, "Ann");
    const token = await signAdminToken({ apiKey: server.config.auth.apiKey, apiSecret: server.config.auth.apiSecret }, 60);
    const res = await api("GET", `/rooms/${room}`, { auth: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ name: room, participants: [{ name: "Ann" }] });
  });
});
