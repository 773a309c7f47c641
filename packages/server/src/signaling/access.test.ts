import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloseCode, ErrorCode, PROTOCOL_VERSION, type ClientMessageInput, type ServerMessage } from "@confab/protocol";
import { signJoinToken, type JoinClaims } from "../auth/tokens.js";
import type { RunningServer } from "../server.js";
import { startTestServer, wsUrl, WireClient } from "../testing/index.js";

let server: RunningServer;
let url: string;
let seq = 0;
const freshRoom = () => `access-${seq++}`;

beforeAll(async () => {
  server = await startTestServer({ auth: { persistPolicies: false, lobbyTimeoutMs: 1500 } });
  url = wsUrl(server);
});

afterAll(async () => {
  await server.close();
});

function token(claims: JoinClaims, ttlSeconds = 600): Promise<string> {
  const { apiKey, apiSecret } = server.config.auth;
  return signJoinToken({ apiKey, apiSecret }, claims, { ttlSeconds });
}

/** Connects and says hello; the join is up to the test. */
async function connected(): Promise<WireClient> {
  const c = await WireClient.connect(url);
  c.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
  await c.next("welcome");
  return c;
}

/** Joins with `fields` and resolves with `joined`, or throws with the error code. */
async function joinAs(fields: Omit<Extract<ClientMessageInput, { type: "join" }>, "type">): Promise<{ c: WireClient; joined: Extract<ServerMessage, { type: "joined" }> }> {
  const c = await connected();
  c.sendJson({ type: "join", ...fields });
  const joined = await c.next("joined");
  return { c, joined };
}

/** Sends a join and returns the error code it was refused with. */
async function refusal(fields: Record<string, unknown>): Promise<string> {
  const c = await connected();
  c.sendJson({ type: "join", ...fields });
  const error = await c.next("error");
  c.close();
  return error.code;
}

/** Messages of `type` received so far, without consuming them. */
const seen = (c: WireClient, type: ServerMessage["type"]) => c.messages.filter((m) => m.type === type);

describe("open mode: rooms have owners", () => {
  it("makes whoever starts a meeting its moderator, with a link to come back as one", async () => {
    const room = freshRoom();
    const ann = await joinAs({ room, name: "Ann" });
    expect(ann.joined.self.role).toBe("moderator");
    expect(ann.joined.moderatorToken).toBeTruthy();
    const bob = await joinAs({ room, name: "Bob" });
    expect(bob.joined.self.role).toBe("participant");
    expect(bob.joined.moderatorToken).toBeUndefined();
    expect(bob.joined.participants.find((p) => p.name === "Ann")?.role).toBe("moderator");
    // Ann's link brings her back as moderator even though the room is not empty.
    const again = await joinAs({ room, name: "Ann again", token: ann.joined.moderatorToken! });
    expect(again.joined.self.role).toBe("moderator");
    for (const c of [ann.c, bob.c, again.c]) c.close();
  });

  it("promotes the participant present longest when the last moderator leaves", async () => {
    const room = freshRoom();
    const ann = await joinAs({ room, name: "Ann" });
    const bob = await joinAs({ room, name: "Bob" });
    const cat = await joinAs({ room, name: "Cat" });
    ann.c.close();
    const promoted = await bob.c.next("moderated");
    expect(promoted.event.action).toBe("promoted");
    const update = await cat.c.next("participant.updated");
    expect(update.participant).toMatchObject({ name: "Bob", role: "moderator" });
    bob.c.close();
    cat.c.close();
  });
});

describe("join tokens", () => {
  it("refuses each bad token with its typed error and leaves the room untouched", async () => {
    const room = freshRoom();
    const owner = await joinAs({ room, name: "Owner" });
    const { apiKey, apiSecret } = server.config.auth;
    const good = await token({ room, identity: "bob", role: "participant" });
    const [header, payload, signature] = good.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
    const edited = Buffer.from(JSON.stringify({ ...claims, role: "moderator" })).toString("base64url");
    const none = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${payload}.`;
    const cases: [string, string, string][] = [
      ["expired", await signJoinToken({ apiKey, apiSecret }, { room, identity: "x", role: "participant" }, { ttlSeconds: 60, notBefore: Math.floor(Date.now() / 1000) - 3600 }), ErrorCode.TOKEN_EXPIRED],
      ["not yet valid", await signJoinToken({ apiKey, apiSecret }, { room, identity: "x", role: "participant" }, { ttlSeconds: 60, notBefore: Math.floor(Date.now() / 1000) + 3600 }), ErrorCode.TOKEN_NOT_YET_VALID],
      ["for another room", await token({ room: "elsewhere", identity: "x", role: "participant" }), ErrorCode.TOKEN_WRONG_ROOM],
      ["with a wrong signature", `${header}.${payload}.${signature.slice(0, -4)}AAAA`, ErrorCode.TOKEN_INVALID],
      ["with alg none", none, ErrorCode.TOKEN_INVALID],
      ["with its role claim edited", `${header}.${edited}.${signature}`, ErrorCode.TOKEN_INVALID],
      ["from another server's key", await signJoinToken({ apiKey: "APIother", apiSecret: "another-secret-another-secret-0123456789" }, { room, identity: "x", role: "moderator" }, { ttlSeconds: 60 }), ErrorCode.TOKEN_INVALID],
      ["that is garbage", "not.a.token", ErrorCode.TOKEN_INVALID],
    ];
    for (const [what, bad, code] of cases) {
      expect(await refusal({ room, name: "Mallory", token: bad }), what).toBe(code);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(seen(owner.c, "participant.joined")).toHaveLength(0);
    expect(await server.rooms.roomSize(room)).toBe(1);
    owner.c.close();
  });

  it("joins with the identity, name and role a valid token carries", async () => {
    const room = freshRoom();
    const owner = await joinAs({ room, name: "Owner" });
    const viewer = await joinAs({ room, name: "typed name", token: await token({ room, identity: "vic", name: "Vic", role: "viewer" }) });
    expect(viewer.joined.self).toMatchObject({ name: "Vic", role: "viewer" });
    owner.c.close();
    viewer.c.close();
  });
});

describe("token mode", () => {
  it("admits only joins with a valid token", async () => {
    const strict = await startTestServer({ auth: { mode: "token", persistPolicies: false } });
    try {
      const c = await WireClient.connect(wsUrl(strict));
      c.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
      await c.next("welcome");
      c.sendJson({ type: "join", room: "strict", name: "Ann" });
      expect((await c.next("error")).code).toBe(ErrorCode.AUTH_REQUIRED);
      const { apiKey, apiSecret } = strict.config.auth;
      const t = await signJoinToken({ apiKey, apiSecret }, { room: "strict", identity: "ann", role: "participant" }, { ttlSeconds: 60 });
      c.sendJson({ type: "join", room: "strict", name: "Ann", token: t });
      const joined = await c.next("joined");
      // Token mode gives nobody a role the token did not.
      expect(joined.self.role).toBe("participant");
      c.close();
    } finally {
      await strict.close();
    }
  });
});

describe("moderation is for moderators", () => {
  it("refuses every moderator message from a participant, and nothing changes for anyone", async () => {
    const room = freshRoom();
    const ann = await joinAs({ room, name: "Ann" });
    const bob = await joinAs({ room, name: "Bob" });
    const annId = ann.joined.self.id;
    const commands = [
      { action: "mute", participantId: annId, source: "microphone" },
      { action: "mute-all" },
      { action: "ask-unmute", participantId: annId, source: "microphone" },
      { action: "stop-screen", participantId: annId },
      { action: "remove", participantId: annId },
      { action: "promote", participantId: bob.joined.self.id },
      { action: "admit", knockId: "k123" },
      { action: "deny", knockId: "k123" },
      { action: "end" },
    ];
    for (const command of commands) {
      bob.c.sendJson({ type: "moderate", command });
      const error = await bob.c.next("error");
      expect(error.code, command.action).toBe(ErrorCode.FORBIDDEN);
      expect(error.fatal).toBe(false);
    }
    for (const change of [{ locked: true }, { lobby: true }, { password: "pw" }]) {
      bob.c.sendJson({ type: "policy", change });
      expect((await bob.c.next("error")).code).toBe(ErrorCode.FORBIDDEN);
    }
    await new Promise((r) => setTimeout(r, 200));
    for (const type of ["moderated", "removed", "ended", "policy", "participant.updated", "participant.left"] as const) {
      expect(seen(ann.c, type), type).toHaveLength(0);
    }
    expect(await server.rooms.roomSize(room)).toBe(2);
    ann.c.close();
    bob.c.close();
  });

  it("refuses messages that name another participant as their author", async () => {
    const room = freshRoom();
    const ann = await joinAs({ room, name: "Ann" });
    const bob = await joinAs({ room, name: "Bob" });
    const annId = ann.joined.self.id;
    for (const spoof of [
      { type: "chat", text: "I am Ann", participantId: annId },
      { type: "chat", text: "I am Ann", name: "Ann" },
      { type: "hand", raised: true, participantId: annId },
      { type: "mute", source: "microphone", muted: true, participantId: annId },
      { type: "reaction", emoji: "👍", participantId: annId },
    ]) {
      bob.c.sendJson(spoof);
      expect((await bob.c.next("error")).code, JSON.stringify(spoof)).toBe(ErrorCode.BAD_MESSAGE);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(seen(ann.c, "chat")).toHaveLength(0);
    expect(seen(ann.c, "participant.updated")).toHaveLength(0);
    ann.c.close();
    bob.c.close();
  });

  it("removes a participant, who may not rejoin that meeting with the same token", async () => {
    const room = freshRoom();
    const ann = await joinAs({ room, name: "Ann" });
    const bobToken = await token({ room, identity: "bob", role: "participant" });
    const bob = await joinAs({ room, name: "Bob", token: bobToken });
    ann.c.sendJson({ type: "moderate", command: { action: "remove", participantId: bob.joined.self.id } });
    expect((await bob.c.next("removed")).by).toBe("Ann");
    expect(await bob.c.closed()).toBe(CloseCode.REMOVED);
    expect((await ann.c.next("participant.left")).reason).toBe("kicked");
    expect(await refusal({ room, name: "Bob", token: bobToken })).toBe(ErrorCode.REMOVED);
    ann.c.close();
  });

  it("promotes a participant, who can then moderate", async () => {
    const room = freshRoom();
    const ann = await joinAs({ room, name: "Ann" });
    const bob = await joinAs({ room, name: "Bob" });
    const cat = await joinAs({ room, name: "Cat" });
    ann.c.sendJson({ type: "moderate", command: { action: "promote", participantId: bob.joined.self.id } });
    expect((await bob.c.next("moderated")).event).toEqual({ action: "promoted", by: "Ann" });
    bob.c.sendJson({ type: "moderate", command: { action: "ask-unmute", participantId: cat.joined.self.id, source: "microphone" } });
    expect((await cat.c.next("moderated")).event).toEqual({ action: "ask-unmute", source: "microphone", by: "Bob" });
    for (const c of [ann.c, bob.c, cat.c]) c.close();
  });

  it("ends the meeting for everyone", async () => {
    const room = freshRoom();
    const ann = await joinAs({ room, name: "Ann" });
    const bob = await joinAs({ room, name: "Bob" });
    ann.c.sendJson({ type: "moderate", command: { action: "end" } });
    for (const c of [ann.c, bob.c]) {
      expect((await c.next("ended")).by).toBe("Ann");
      expect(await c.closed()).toBe(CloseCode.ROOM_ENDED);
    }
    expect(await server.rooms.roomSize(room)).toBeUndefined();
  });

  it("locks the room: newcomers are refused, moderators still enter", async () => {
    const room = freshRoom();
    const ann = await joinAs({ room, name: "Ann" });
    ann.c.sendJson({ type: "policy", change: { locked: true } });
    expect((await ann.c.next("policy")).policy.locked).toBe(true);
    expect(await refusal({ room, name: "Bob" })).toBe(ErrorCode.ROOM_LOCKED);
    const mod = await joinAs({ room, name: "Mod", token: await token({ room, identity: "mod", role: "moderator" }) });
    expect(mod.joined.policy.locked).toBe(true);
    ann.c.close();
    mod.c.close();
  });
});

describe("room password", () => {
  it("asks for it, refuses a wrong one, admits the right one, and never shows its hash", async () => {
    const room = freshRoom();
    const ann = await joinAs({ room, name: "Ann" });
    ann.c.sendJson({ type: "policy", change: { password: "correct horse" } });
    const { policy } = await ann.c.next("policy");
    expect(policy.hasPassword).toBe(true);
    expect(JSON.stringify(policy)).not.toContain("scrypt");
    expect(await refusal({ room, name: "Bob" })).toBe(ErrorCode.PASSWORD_REQUIRED);
    expect(await refusal({ room, name: "Bob", password: "wrong" })).toBe(ErrorCode.PASSWORD_WRONG);
    const bob = await joinAs({ room, name: "Bob", password: "correct horse" });
    expect(bob.joined.policy.hasPassword).toBe(true);
    ann.c.sendJson({ type: "policy", change: { password: null } });
    expect((await bob.c.next("policy")).policy.hasPassword).toBe(false);
    ann.c.close();
    bob.c.close();
  });

  it("limits guessing per client address: after the limit even the right password waits", async () => {
    const limited = await startTestServer({ auth: { persistPolicies: false } });
    try {
      const u = wsUrl(limited);
      const owner = await WireClient.connect(u);
      owner.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
      await owner.next("welcome");
      owner.sendJson({ type: "join", room: "vault", name: "Owner" });
      await owner.next("joined");
      owner.sendJson({ type: "policy", change: { password: "opensesame" } });
      await owner.next("policy");
      const codes: string[] = [];
      for (let i = 0; i < 6; i++) {
        const c = await WireClient.connect(u);
        c.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
        await c.next("welcome");
        c.sendJson({ type: "join", room: "vault", name: "Guesser", password: `guess${i}` });
        codes.push((await c.next("error", 10_000)).code);
        c.close();
      }
      // Five attempts at once per address, then the limiter answers before any check.
      expect(codes.slice(0, 5)).toEqual(Array(5).fill(ErrorCode.PASSWORD_WRONG));
      expect(codes[5]).toBe(ErrorCode.RATE_LIMITED);
      const c = await WireClient.connect(u);
      c.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
      await c.next("welcome");
      c.sendJson({ type: "join", room: "vault", name: "Guesser", password: "opensesame" });
      expect((await c.next("error")).code).toBe(ErrorCode.RATE_LIMITED);
      c.close();
      owner.close();
    } finally {
      await limited.close();
    }
  });
});

describe("lobby", () => {
  it("lets a moderator admit a knocking person, who joins without reconnecting", async () => {
    const room = freshRoom();
    const ann = await joinAs({ room, name: "Ann" });
    ann.c.sendJson({ type: "policy", change: { lobby: true } });
    await ann.c.next("policy");
    await ann.c.next("knocks"); // the empty list at join
    const carol = await connected();
    carol.sendJson({ type: "join", room, name: "Carol" });
    await carol.next("lobby");
    const { knocking } = await ann.c.next("knocks");
    expect(knocking.map((k) => k.name)).toEqual(["Carol"]);
    // Waiting is not being in the room: nothing reaches Carol, and she can send nothing to it.
    ann.c.sendJson({ type: "chat", text: "before Carol is in" });
    await ann.c.next("chat");
    carol.sendJson({ type: "chat", text: "let me in" });
    expect((await carol.next("error")).code).toBe(ErrorCode.NOT_JOINED);
    expect(seen(carol, "chat")).toHaveLength(0);
    expect(seen(carol, "participant.joined")).toHaveLength(0);
    expect(seen(carol, "sdp")).toHaveLength(0);
    expect(seen(ann.c, "chat")).toHaveLength(0);
    ann.c.sendJson({ type: "moderate", command: { action: "admit", knockId: knocking[0]!.id } });
    const joined = await carol.next("joined");
    expect(joined.participants.map((p) => p.name)).toEqual(["Ann"]);
    expect((await ann.c.next("participant.joined")).participant.name).toBe("Carol");
    ann.c.close();
    carol.close();
  });

  it("tells a knocking person when a moderator denies them, and when nobody answers", async () => {
    const room = freshRoom();
    const ann = await joinAs({ room, name: "Ann" });
    ann.c.sendJson({ type: "policy", change: { lobby: true } });
    await ann.c.next("policy");
    const dave = await connected();
    dave.sendJson({ type: "join", room, name: "Dave" });
    await dave.next("lobby");
    let knocks = await ann.c.next("knocks");
    while (knocks.knocking.length === 0) knocks = await ann.c.next("knocks");
    ann.c.sendJson({ type: "moderate", command: { action: "deny", knockId: knocks.knocking[0]!.id } });
    expect((await dave.next("error")).code).toBe(ErrorCode.LOBBY_DENIED);
    const eve = await connected();
    eve.sendJson({ type: "join", room, name: "Eve" });
    await eve.next("lobby");
    expect((await eve.next("error", 10_000)).code).toBe(ErrorCode.LOBBY_TIMEOUT);
    expect(await server.rooms.roomSize(room)).toBe(1);
    for (const c of [ann.c, dave, eve]) c.close();
  });

  it("drops the knock of a person who closes the connection while waiting", async () => {
    const room = freshRoom();
    const ann = await joinAs({ room, name: "Ann" });
    ann.c.sendJson({ type: "policy", change: { lobby: true } });
    await ann.c.next("policy");
    const fay = await connected();
    fay.sendJson({ type: "join", room, name: "Fay" });
    await fay.next("lobby");
    let knocks = await ann.c.next("knocks");
    while (knocks.knocking.length === 0) knocks = await ann.c.next("knocks");
    fay.close();
    let after = await ann.c.next("knocks");
    while (after.knocking.length !== 0) after = await ann.c.next("knocks");
    expect(after.knocking).toEqual([]);
    ann.c.close();
  });
});

describe("room settings survive a restart", () => {
  it("keeps a password a moderator set in DATA_DIR, as a hash, across a restart", async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dataDir = mkdtempSync(join(tmpdir(), "confab-policy-"));
    try {
      const first = await startTestServer({ dataDir, auth: { persistPolicies: true } });
      const owner = await WireClient.joined(wsUrl(first), "kept", "Owner");
      owner.sendJson({ type: "policy", change: { password: "s3cret!", lobby: false } });
      await owner.next("policy");
      owner.close();
      await first.close();
      const stored = readFileSync(join(dataDir, "rooms", "kept.json"), "utf8");
      expect(stored).not.toContain("s3cret!");
      expect(stored).toContain("scrypt$");
      const second = await startTestServer({ dataDir, auth: { persistPolicies: true } });
      try {
        const c = await WireClient.connect(wsUrl(second));
        c.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
        await c.next("welcome");
        c.sendJson({ type: "join", room: "kept", name: "Back" });
        expect((await c.next("error")).code).toBe(ErrorCode.PASSWORD_REQUIRED);
        c.sendJson({ type: "join", room: "kept", name: "Back", password: "s3cret!" });
        expect((await c.next("joined")).policy.hasPassword).toBe(true);
        c.close();
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
