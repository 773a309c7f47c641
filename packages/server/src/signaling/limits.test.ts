import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { CloseCode, ErrorCode, MAX_CHAT_LENGTH, PROTOCOL_VERSION } from "@confab/protocol";
import type { ConfigOverrides } from "../config/config.js";
import type { RunningServer } from "../server.js";
import { startTestServer, wsUrl, WireClient } from "../testing/index.js";

let servers: RunningServer[] = [];
let clients: WireClient[] = [];

afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function server(overrides: ConfigOverrides): Promise<string> {
  const s = await startTestServer({ ...overrides, auth: { persistPolicies: false, ...overrides.auth } });
  servers.push(s);
  return wsUrl(s);
}

async function hello(url: string): Promise<WireClient> {
  const c = await WireClient.connect(url);
  clients.push(c);
  c.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
  await c.next("welcome");
  return c;
}

/** Resolves with the HTTP status a WebSocket upgrade was refused with, or 101 when it opened. */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.once("open", () => {
      resolve(101);
      ws.close();
    });
    ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.once("error", () => undefined);
  });
}

const perAddress = { maxConnections: 3, connectionsPerMinute: 100, joinsPerMinute: 100, roomsPerMinute: 3 };

describe("per-address limits", () => {
  it("refuses an address more sockets at once than it may open", async () => {
    const url = await server({ signaling: { perAddress, exemptLoopback: false } });
    for (let i = 0; i < 3; i++) await hello(url);
    expect(await upgradeStatus(url)).toBe(429);
    clients.pop()!.close();
    await expect.poll(() => upgradeStatus(url), { timeout: 5000 }).toBe(101);
  });

  it("lets an address start only so many meetings a minute, but join existing ones", async () => {
    const url = await server({ signaling: { perAddress, exemptLoopback: false } });
    const c = await hello(url);
    for (const room of ["r1", "r2", "r3"]) {
      const other = await hello(url);
      other.sendJson({ type: "join", room, name: "Ann" });
      await other.next("joined");
      other.close();
    }
    c.sendJson({ type: "join", room: "r4", name: "Ann" });
    const refused = await c.next("error");
    expect(refused.code).toBe(ErrorCode.RATE_LIMITED);
  });

  it("does not limit loopback clients by default (tests, benchmarks, local bots)", async () => {
    const url = await server({ signaling: { perAddress } });
    for (let i = 0; i < 5; i++) {
      const c = await hello(url);
      c.sendJson({ type: "join", room: `free-${i}`, name: "Ann" });
      await c.next("joined");
    }
  });
});

describe("joins and leaves", () => {
  it("completes a leave sent right after the join, before the join is answered", async () => {
    const url = await server({});
    for (let i = 0; i < 20; i++) {
      const c = await hello(url);
      c.sendJson({ type: "join", room: "quick", name: "Ann" });
      c.sendJson({ type: "leave" });
      await c.next("left");
      expect(await c.closed()).toBe(CloseCode.NORMAL);
      expect(c.messages.filter((m) => m.type === "error")).toEqual([]);
    }
    // The last join's own end (its admission unwinding after the leave) may come after the
    // client saw `left` and the close: on a busy machine it is a few turns later.
    await expect.poll(() => servers[0]!.rooms.exists("quick"), { timeout: 10_000 }).toBe(false);
  });

  it("bounds the chat history a join is answered with", async () => {
    const url = await server({ rooms: { chatHistorySize: 200 }, signaling: { maxChatPerSecond: 1000, maxMessagesPerSecond: 1000 } });
    const ann = await hello(url);
    ann.sendJson({ type: "join", room: "chatty", name: "Ann" });
    await ann.next("joined");
    const text = "\u00e9".repeat(MAX_CHAT_LENGTH);
    for (let i = 0; i < 200; i++) ann.sendJson({ type: "chat", text });
    for (let i = 0; i < 200; i++) await ann.next("chat");
    const bob = await hello(url);
    bob.sendJson({ type: "join", room: "chatty", name: "Bob" });
    const joined = await bob.next("joined");
    expect(Buffer.byteLength(JSON.stringify(joined))).toBeLessThan(80 * 1024);
    expect(joined.chat.length).toBeGreaterThan(0);
  });
});

describe("heartbeat", () => {
  it("drops a socket that stops answering pings", async () => {
    const url = await server({ signaling: { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 400 } });
    const ws = new WebSocket(url, { autoPong: false });
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    await new Promise((resolve) => ws.once("open", resolve));
    ws.send(JSON.stringify({ type: "hello", protocolVersion: PROTOCOL_VERSION }));
    // ws.terminate() on the server side: the client sees an abnormal closure.
    expect(await closed).toBe(1006);
  });

  it("does not take everyone for dead when the server itself was stalled", async () => {
    const url = await server({ signaling: { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 400 } });
    const six: WireClient[] = [];
    for (let i = 0; i < 6; i++) {
      const c = await hello(url);
      c.sendJson({ type: "join", room: "stall", name: `P${i}` });
      await c.next("joined");
      six.push(c);
    }
    // Block this process (the server's event loop, and the clients' with it) for 2 s.
    const until = Date.now() + 2000;
    while (Date.now() < until) {
      // busy: a stalled server
    }
    await new Promise((r) => setTimeout(r, 1000));
    for (const c of six) {
      expect(c.closeCode).toBeUndefined();
      expect(c.messages.filter((m) => m.type === "participant.left")).toEqual([]);
    }
  });
});
