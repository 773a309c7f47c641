import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { resolveConfig } from "../config/config.js";
import { startServer, type RunningServer } from "../server.js";
import { wsUrl, WireClient } from "../testing/index.js";
import { createLogger, logFormatFor } from "./createLogger.js";
import { prettyLine } from "./prettyLine.js";

type Line = Record<string, unknown>;

const servers: RunningServer[] = [];
const clients: WireClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});

/** A server with rooms in this thread, its log lines collected as parsed JSON. */
async function logged(rooms: { resumeGraceMs?: number } = {}): Promise<{ server: RunningServer; lines: Line[] }> {
  const lines: Line[] = [];
  const log = createLogger({ level: "info", format: "json" }, { write: (s: string) => lines.push(JSON.parse(s) as Line) });
  const server = await startServer(
    resolveConfig({ port: 0, host: "127.0.0.1", httpsPort: 0, webRoot: "/nonexistent", workers: 0, rooms: { resumeGraceMs: 0, ...rooms }, rtc: { announcedIps: ["127.0.0.1"] } }),
    log,
  );
  servers.push(server);
  return { server, lines };
}

async function join(server: RunningServer, room: string, name: string): Promise<WireClient> {
  const c = await WireClient.joined(wsUrl(server), room, name);
  clients.push(c);
  return c;
}

const msg = (lines: Line[], text: string) => lines.filter((l) => l.msg === text);

describe("the join and leave log lines", () => {
  it("say room, identity, participant id, role and address on joining, and ICE path, reason and duration on leaving", async () => {
    const { server, lines } = await logged();
    const ann = await join(server, "standup", "Ann");
    const id = ann.joinedMessage!.self.id;
    ann.sendJson({ type: "leave" });
    await ann.next("left");
    await expect.poll(() => msg(lines, "participant left").length).toBe(1);
    const [joined] = msg(lines, "participant joined");
    expect(joined).toMatchObject({ level: 30, room: "standup", participant: id, role: "moderator", auth: "open", address: "127.0.0.1", size: 1 });
    expect(joined!.identity).toMatch(/^guest-[0-9a-f]{16}$/);
    const [left] = msg(lines, "participant left");
    // No media connection came up (a signaling-only client): the path is not known.
    expect(left).toMatchObject({ room: "standup", participant: id, identity: joined!.identity, icePath: null, reason: "left", size: 0 });
    expect(left!.durationMs).toEqual(expect.any(Number));
    expect(msg(lines, "room ended")).toEqual([expect.objectContaining({ room: "standup", reason: "empty" })]);
  });

  it("give the reason a participant went: removed, timeout, ended, server shutdown", async () => {
    const { server, lines } = await logged({ resumeGraceMs: 300 });
    const reasonOf = (id: string) => msg(lines, "participant left").find((l) => l.participant === id)?.reason;
    const ann = await join(server, "reasons", "Ann");
    const bob = await join(server, "reasons", "Bob");
    const cat = await join(server, "reasons", "Cat");
    ann.sendJson({ type: "moderate", command: { action: "remove", participantId: bob.joinedMessage!.self.id } });
    await expect.poll(() => reasonOf(bob.joinedMessage!.self.id)).toBe("removed");
    cat.terminate();
    await expect.poll(() => reasonOf(cat.joinedMessage!.self.id), { timeout: 10_000 }).toBe("timeout");
    ann.sendJson({ type: "moderate", command: { action: "end" } });
    await expect.poll(() => reasonOf(ann.joinedMessage!.self.id)).toBe("ended");
    expect(msg(lines, "room ended").at(-1)).toMatchObject({ room: "reasons", reason: "ended" });

    const dan = await join(server, "last", "Dan");
    await server.close();
    expect(reasonOf(dan.joinedMessage!.self.id)).toBe("server shutdown");
    // One line per join and one per leave, never two.
    expect(msg(lines, "participant joined")).toHaveLength(4);
    expect(msg(lines, "participant left")).toHaveLength(4);
  });
});

describe("LOG_FORMAT", () => {
  it("is pretty on a terminal and JSON when piped, unless set; colours only on a terminal without NO_COLOR", () => {
    expect(logFormatFor({}, true)).toEqual({ format: "pretty", color: true });
    expect(logFormatFor({}, false)).toEqual({ format: "json", color: false });
    expect(logFormatFor({ LOG_FORMAT: "json" }, true)).toEqual({ format: "json", color: false });
    expect(logFormatFor({ LOG_FORMAT: "pretty" }, false)).toEqual({ format: "pretty", color: false });
    expect(logFormatFor({ NO_COLOR: "1" }, true)).toEqual({ format: "pretty", color: false });
    expect(logFormatFor({ LOG_FORMAT: "yaml" }, true)).toMatch(/LOG_FORMAT must be "json" or "pretty"/);
  });

  it("pretty prints a line as time, level, message and key=value fields, with an error's stack below", () => {
    const time = Date.UTC(2026, 0, 2, 12, 4, 5, 120);
    const line = JSON.stringify({ level: 30, time, pid: 1, hostname: "h", room: "standup", identity: "ann", icePath: "udp", reason: "server shutdown", msg: "participant left" });
    expect(prettyLine(line, false)).toBe('12:04:05.120 INFO  participant left  room=standup identity=ann icePath=udp reason="server shutdown"\n');
    const error = JSON.stringify({ level: 50, time, err: { type: "Error", message: "boom", stack: "Error: boom\n    at f (x.js:1:1)" }, msg: "failed" });
    expect(prettyLine(error, false)).toBe("12:04:05.120 ERROR failed  err=boom\n    Error: boom\n        at f (x.js:1:1)\n");
    expect(prettyLine(line, true)).toContain("\x1b[32mINFO \x1b[0m");
    expect(prettyLine("not json", false)).toBe("not json\n");
  });

  it("writes pretty lines through createLogger, and JSON objects otherwise", () => {
    const out: string[] = [];
    createLogger({ level: "info", format: "pretty" }, { write: (s: string) => out.push(s) }).info({ room: "r" }, "hello");
    createLogger({ level: "info", format: "json" }, { write: (s: string) => out.push(s) }).info({ room: "r" }, "hello");
    expect(out[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  hello  room=r\n$/);
    expect(JSON.parse(out[1]!)).toMatchObject({ level: 30, room: "r", msg: "hello" });
  });
});

describe("a reverse proxy without TRUST_PROXY", () => {
  it("is warned about once, when WebSockets arrive from loopback with X-Forwarded-For", async () => {
    const { server, lines } = await logged();
    const url = wsUrl(server);
    const open = (headers: Record<string, string>) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(url, { headers });
        ws.once("open", () => resolve(ws));
        ws.once("error", reject);
      });
    const direct = await open({});
    expect(lines.filter((l) => l.level === 40)).toEqual([]);
    const proxied = [await open({ "x-forwarded-for": "203.0.113.5" }), await open({ "x-forwarded-for": "203.0.113.6" })];
    const warnings = lines.filter((l) => l.level === 40 && String(l.msg).includes("TRUST_PROXY=0"));
    expect(warnings).toHaveLength(1);
    for (const ws of [direct, ...proxied]) ws.close();
  });
});
