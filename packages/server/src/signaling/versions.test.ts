import { afterEach, describe, expect, it } from "vitest";
import { CloseCode, ErrorCode, PROTOCOL_VERSION } from "@confab/protocol";
import type { RunningServer } from "../server.js";
import { startTestServer, wsUrl, WireClient } from "../testing/index.js";

let server: RunningServer | undefined;
const clients: WireClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = undefined;
});

/** A connection after the handshake at `version`, and the version the server answered with. */
async function hello(version: number): Promise<{ client: WireClient; welcome: number }> {
  const client = await WireClient.connect(wsUrl(server!));
  clients.push(client);
  client.sendJson({ type: "hello", protocolVersion: version });
  return { client, welcome: (await client.next("welcome")).protocolVersion };
}

async function joinAt(version: number, room: string, name: string): Promise<WireClient> {
  const { client } = await hello(version);
  client.sendJson({ type: "join", room, name });
  await client.next("joined");
  return client;
}

describe("protocol version negotiation", () => {
  it("welcome answers with the client's version, 2 or 3; 1 and 4 are refused with 4002", async () => {
    server = await startTestServer();
    expect((await hello(3)).welcome).toBe(3);
    expect((await hello(2)).welcome).toBe(2);
    for (const version of [1, PROTOCOL_VERSION + 1]) {
      const c = await WireClient.connect(wsUrl(server));
      clients.push(c);
      c.sendJson({ type: "hello", protocolVersion: version });
      expect(await c.next("error")).toMatchObject({ code: ErrorCode.UNSUPPORTED_VERSION, fatal: true });
      expect(await c.closed()).toBe(CloseCode.UNSUPPORTED_VERSION);
    }
  });

  it("during a drain, a version 3 client is told (draining, SERVER_DRAINING); a version 2 one gets no message it cannot read, and ROOM_FULL", async () => {
    server = await startTestServer();
    const v2 = await joinAt(2, "versions-drain", "Ann");
    const v3 = await joinAt(3, "versions-drain", "Bob");
    const drained = server.drain(60_000);
    expect((await v3.next("draining")).closesInMs).toBeGreaterThan(0);
    const late2 = (await hello(2)).client;
    const late3 = (await hello(3)).client;
    await late3.next("draining");
    late2.sendJson({ type: "join", room: "versions-new", name: "Cat" });
    late3.sendJson({ type: "join", room: "versions-new", name: "Dan" });
    expect((await late3.next("error")).code).toBe(ErrorCode.SERVER_DRAINING);
    expect((await late2.next("error")).code).toBe(ErrorCode.ROOM_FULL);
    // Both version 2 connections saw everything else (a ping is answered) but never `draining`.
    for (const c of [v2, late2]) {
      c.sendJson({ type: "ping" });
      await c.next("pong");
      expect(c.messages.map((m) => m.type)).not.toContain("draining");
    }
    for (const c of clients) c.close();
    await drained;
  });

  it("renewed TURN credentials (iceServers) go to version 3 participants only", async () => {
    // TTL 4 s: renewed 1 s before expiry, so within 3 s of joining.
    server = await startTestServer({ turn: { urls: ["turn:turn.confab.test:3478?transport=udp"], secret: "versions-turn-secret-0123456789", ttlSeconds: 4 } });
    const v2 = await joinAt(2, "versions-turn", "Ann");
    const v3 = await joinAt(3, "versions-turn", "Bob");
    const renewed = await v3.next("iceServers");
    expect(renewed.iceServers[0]?.username).toMatch(/^\d+:p[0-9a-f]+$/);
    // By then Ann's renewal (sent first: she joined first) was due too: it was left out.
    v2.sendJson({ type: "ping" });
    await v2.next("pong");
    expect(v2.messages.map((m) => m.type)).not.toContain("iceServers");
  });
});
