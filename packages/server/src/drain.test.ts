import { afterEach, describe, expect, it } from "vitest";
import { CloseCode, ErrorCode, PROTOCOL_VERSION } from "@confab/protocol";
import type { RunningServer } from "./server.js";
import { startTestServer, wsUrl, WireClient } from "./testing/index.js";

let server: RunningServer | undefined;
let clients: WireClient[] = [];

afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await server?.close();
  server = undefined;
});

async function join(room: string, name: string): Promise<WireClient> {
  const c = await WireClient.joined(wsUrl(server!), room, name);
  clients.push(c);
  return c;
}

async function hello(): Promise<WireClient> {
  const c = await WireClient.connect(wsUrl(server!));
  clients.push(c);
  c.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
  await c.next("welcome");
  return c;
}

async function readyz(): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server!.httpUrl}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe.each([
  { workers: 1, where: "on an SFU worker" },
  { workers: 0, where: "in the main thread (WORKERS=0)" },
])("health and graceful drain, rooms $where", ({ workers }) => {
  it("/healthz answers 200, and /readyz 200 while every SFU worker runs and the server is not draining", async () => {
    server = await startTestServer({ workers });
    expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
    const ready = await readyz();
    expect(ready.status).toBe(200);
    expect(ready.body.ready).toBe(true);
    if (workers > 0) expect(ready.body.workers).toEqual({ up: workers, total: workers });
  });

  it("a drain turns /readyz 503, tells every client, refuses a new meeting with SERVER_DRAINING, and lets the meeting in progress take a newcomer", async () => {
    server = await startTestServer({ workers });
    const ann = await join("standup", "Ann");
    const bob = await join("standup", "Bob");
    const idle = await hello();
    const drained = server.drain(60_000);

    for (const c of [ann, bob, idle]) expect((await c.next("draining")).closesInMs).toBeGreaterThan(50_000);
    const ready = await readyz();
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ ready: false, reason: "draining" });

    // A connection opened during the drain is told right after the handshake.
    const late = await hello();
    expect((await late.next("draining")).closesInMs).toBeGreaterThan(0);
    late.sendJson({ type: "join", room: "new-meeting", name: "Dan" });
    expect((await late.next("error")).code).toBe(ErrorCode.SERVER_DRAINING);
    // The meeting in progress goes on: someone may still join it.
    const cat = await join("standup", "Cat");
    expect(cat.joinedMessage?.participants.map((p) => p.name).sort()).toEqual(["Ann", "Bob"]);
    expect(await server.rooms.roomSize("standup")).toBe(3);

    // When the last person leaves, the server closes every other socket with 4004.
    for (const c of [ann, bob, cat]) c.sendJson({ type: "leave" });
    await drained;
    expect(await idle.closed()).toBe(CloseCode.SERVER_SHUTDOWN);
    expect(await late.closed()).toBe(CloseCode.SERVER_SHUTDOWN);
  });

  it("a drain closes every socket with 4004 when its time is up, meetings still in progress", async () => {
    server = await startTestServer({ workers });
    const ann = await join("retro", "Ann");
    const bob = await join("retro", "Bob");
    const carol = await join("planning", "Carol");
    const started = Date.now();
    await server.drain(1500);
    // Closing starts before the deadline, so that the process can be gone by then.
    expect(Date.now() - started).toBeLessThan(1500 + 1000);
    for (const c of [ann, bob, carol]) expect(await c.closed()).toBe(CloseCode.SERVER_SHUTDOWN);
  });
});
