import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { CloseCode, PROTOCOL_VERSION } from "@confab/protocol";
import { SERVER_NODE_FLAGS } from "./node-flags.js";
import { WireClient } from "./testing/index.js";

/** The server as `npm start` runs it (the unit tests build dist/ first). */
const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

interface Started {
  child: ChildProcess;
  ws: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

let children: ChildProcess[] = [];
let clients: WireClient[] = [];
const dataDir = mkdtempSync(join(tmpdir(), "confab-main-"));

afterEach(() => {
  for (const c of clients) c.terminate();
  clients = [];
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  children = [];
});

process.on("exit", () => rmSync(dataDir, { recursive: true, force: true }));

/** Starts dist/main.js on a free loopback port; resolves once it listens. */
async function start(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, MAIN], {
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", HTTPS_PORT: "0", RTC_ANNOUNCED_IPS: "127.0.0.1", WORKERS: "1", DATA_DIR: dataDir, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the server did not start within 20 s")), 20_000);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = /"http":"http:\/\/localhost:(\d+)"/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      resolve(match[1]!);
    });
    void exit.then(() => reject(new Error("the server exited before listening")));
  });
  return { child, ws: `ws://127.0.0.1:${port}/ws`, exit };
}

async function joined(ws: string, room: string, name: string): Promise<WireClient> {
  const c = await WireClient.joined(ws, room, name);
  clients.push(c);
  return c;
}

describe("the server process on SIGTERM", () => {
  it("drains: two people in a room are told, their sockets close with 4004 and the process exits 0 within DRAIN_TIMEOUT", async () => {
    const drainSeconds = 2;
    const server = await start({ DRAIN_TIMEOUT: String(drainSeconds) });
    const ann = await joined(server.ws, "standup", "Ann");
    const bob = await joined(server.ws, "standup", "Bob");
    const signalledAt = Date.now();
    server.child.kill("SIGTERM");
    for (const c of [ann, bob]) expect((await c.next("draining")).closesInMs).toBeLessThanOrEqual(drainSeconds * 1000);
    for (const c of [ann, bob]) expect(await c.closed(drainSeconds * 1000 + 5000)).toBe(CloseCode.SERVER_SHUTDOWN);
    const { code, signal, at } = await server.exit;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    // The process itself keeps the deadline (its last timer exits at it); the margin is for a
    // busy machine's event-loop lag, not for work the server does after the deadline.
    expect(at - signalledAt).toBeLessThan(drainSeconds * 1000 + 1000);
  });

  it("exits at once on a second signal during the drain", async () => {
    const server = await start({ DRAIN_TIMEOUT: "120" });
    const ann = await joined(server.ws, "standup", "Ann");
    server.child.kill("SIGTERM");
    await ann.next("draining");
    const secondAt = Date.now();
    server.child.kill("SIGINT");
    const { code, at } = await server.exit;
    expect(code).toBe(0);
    expect(at - secondAt).toBeLessThan(5000);
  });

  it("refuses a new meeting while draining, and a connection opened meanwhile is told at its handshake", async () => {
    const server = await start({ DRAIN_TIMEOUT: "120" });
    const ann = await joined(server.ws, "standup", "Ann");
    server.child.kill("SIGTERM");
    await ann.next("draining");
    const late = await WireClient.connect(server.ws);
    clients.push(late);
    late.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    await late.next("welcome");
    await late.next("draining");
    late.sendJson({ type: "join", room: "another", name: "Dan" });
    expect((await late.next("error")).code).toBe("SERVER_DRAINING");
    // Ann leaving ends the last meeting: the drain is over long before its 120 s.
    ann.sendJson({ type: "leave" });
    expect(await late.closed()).toBe(CloseCode.SERVER_SHUTDOWN);
    expect((await server.exit).code).toBe(0);
  });
});
