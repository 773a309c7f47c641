import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, PROTOCOL_VERSION } from "@confab/protocol";
import { turnCredentials } from "../auth/turnCredentials.js";
import type { RunningServer } from "../server.js";
import { startTestServer, wsUrl, WireClient } from "../testing/index.js";

const SECRET = "signaling-turn-secret-0123456789";
const URLS = ["turn:turn.confab.test:3478?transport=udp", "turn:turn.confab.test:3478?transport=tcp", "turns:turn.confab.test:443?transport=tcp"];
let server: RunningServer;

beforeAll(async () => {
  server = await startTestServer({
    turn: { urls: URLS, secret: SECRET, ttlSeconds: 4 * 3600 },
    rooms: { resumeGraceMs: 10_000 },
    auth: { persistPolicies: false },
  });
});

afterAll(async () => {
  await server.close();
});

describe("TURN credentials in signaling", () => {
  it("each participant gets its own credentials in joined, for its id, valid TURN_TTL", async () => {
    const before = Math.floor(Date.now() / 1000);
    const ann = await WireClient.joined(wsUrl(server), "turn-own", "Ann");
    const joined = ann.joinedMessage!;
    const [turn] = joined.iceServers;
    expect(turn?.urls).toEqual(URLS);
    const [expiry, id] = turn!.username!.split(":");
    expect(id).toBe(joined.self.id);
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + 4 * 3600);
    expect(Number(expiry)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 4 * 3600);
    expect(turn!.credential).toBe(turnCredentials(SECRET, joined.self.id, Number(expiry)).credential);
    ann.close();
  });

  it("cannot be had without joining: not in welcome, not in a refused join, not in /info", async () => {
    const ann = await WireClient.joined(wsUrl(server), "turn-refused", "Ann");
    const bob = await WireClient.connect(wsUrl(server));
    bob.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    const welcome = await bob.next("welcome");
    bob.sendJson({ type: "join", room: "no such room!", name: "Bob" });
    const refused = await bob.next("error");
    expect(refused.code).toBe(ErrorCode.INVALID_ROOM);
    const info = await (await fetch(`${server.httpUrl}/info`)).text();
    for (const seen of [JSON.stringify(welcome), JSON.stringify(refused), JSON.stringify(bob.messages), info]) {
      expect(seen).not.toMatch(/turn:|turns:|credential/);
      expect(seen).not.toContain(SECRET);
    }
    // And the one who joined never sees another participant's credentials or the secret.
    expect(JSON.stringify(ann.messages)).not.toContain(SECRET);
    ann.close();
    bob.close();
  });

  it("a resumed participant gets fresh credentials", async () => {
    const ann = await WireClient.joined(wsUrl(server), "turn-resume", "Ann");
    const first = ann.joinedMessage!;
    const bob = await WireClient.joined(wsUrl(server), "turn-resume", "Bob");
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a later second: a later expiry
    ann.terminate();
    // Resume once the server has seen the connection drop (Bob sees Ann reconnecting).
    expect((await bob.next("participant.updated")).participant).toMatchObject({ id: first.self.id, reconnecting: true });
    const back = await WireClient.connect(wsUrl(server));
    back.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    await back.next("welcome");
    back.sendJson({ type: "resume", room: "turn-resume", token: first.resumeToken });
    const resumed = await back.next("joined");
    expect(resumed.resumed).toBe(true);
    const expiry = (message: typeof first) => Number(message.iceServers[0]!.username!.split(":")[0]);
    expect(resumed.iceServers[0]!.username!.endsWith(`:${first.self.id}`)).toBe(true);
    expect(expiry(resumed)).toBeGreaterThan(expiry(first));
    back.close();
    bob.close();
  });
});
