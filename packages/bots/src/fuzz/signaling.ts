import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { WebSocket } from "ws";
import { PROTOCOL_VERSION, decodeServerMessage, type ClientMessageInput } from "@confab/protocol";
import { SDP_FIXTURES, mutatedFrame } from "@confab/server/fuzz";
import { ServerProcess, freshDataDir } from "../bench/server-process.js";
import { mb, processStats, type ProcessStats } from "../measure/procStats.js";

/*
 * A signaling fuzzer against a real server: valid sessions (hello → join → offer → ICE → chat →
 * hand → view → mute → moderate → policy → leave), then mutated as a hostile client would —
 * steps dropped, repeated, reordered, cut short, fields retyped or oversized, junk frames in
 * between — run several at a time in shared rooms. The server must answer every frame with
 * valid messages, never `INTERNAL`, never crash, and give back its descriptors and memory.
 */

/** Stands for a participant id the session has seen (its own or another's), filled in when sent. */
const PEER = "$PEER";

/** The valid session every fuzzed one starts from. */
function validSession(room: string, name: string): ClientMessageInput[] {
  return [
    { type: "hello", protocolVersion: PROTOCOL_VERSION, client: "confab-fuzz/1" },
    { type: "join", room, name },
    { type: "sdp", pc: "publisher", description: { type: "offer", sdp: SDP_FIXTURES[0]! }, tracks: [{ mid: "0", kind: "audio", source: "microphone", muted: false }, { mid: "1", kind: "video", source: "camera", muted: false }] },
    { type: "ice", pc: "publisher", candidate: { candidate: "candidate:1 1 udp 2122260223 127.0.0.1 9 typ host", sdpMid: "0", sdpMLineIndex: 0 } },
    { type: "ice", pc: "publisher", candidate: null },
    { type: "chat", text: "hello from the fuzzer" },
    { type: "hand", raised: true },
    { type: "reaction", emoji: "🎉" },
    { type: "view", tracks: [{ trackId: PEER, width: 640, height: 360 }] },
    { type: "mute", source: "camera", muted: true },
    { type: "moderate", command: { action: "mute", participantId: PEER, source: "microphone" } },
    { type: "moderate", command: { action: "mute-all" } },
    { type: "policy", change: { lobby: false } },
    { type: "hand", raised: false },
    { type: "leave" },
  ];
}

/** One change to a session. */
type SessionEdit =
  | { op: "drop"; at: number }
  | { op: "duplicate"; at: number; times: number }
  | { op: "swap"; at: number; with: number }
  | { op: "truncate"; at: number }
  | { op: "mutate"; at: number; frame: string }
  | { op: "insert"; at: number; frame: string };

/** How a session ends. */
type Ending = "leave-and-wait" | "close" | "terminate";

export interface FuzzedSession {
  room: number;
  edits: SessionEdit[];
  ending: Ending;
}

const junkFrame = fc.oneof(
  fc.string({ unit: "binary", maxLength: 100 }),
  fc.constantFrom("", "null", "[]", "{}", '{"type":"hello"}', '{"type":"sdp"}', "x".repeat(300_000)),
  mutatedFrame(validSession("fuzz-0", "Fuzz")),
);

const sessionEdit: fc.Arbitrary<SessionEdit> = fc.oneof(
  fc.record({ op: fc.constant("drop" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("duplicate" as const), at: fc.nat(), times: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constantFrom(20, 60)) }),
  fc.record({ op: fc.constant("swap" as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("mutate" as const), at: fc.nat(), frame: fc.constant("") }),
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), frame: junkFrame }),
);

/** A session: which room (of a dozen, so sessions meet), what is changed, how it ends. */
export const fuzzedSession: fc.Arbitrary<FuzzedSession> = fc.record({
  room: fc.nat(11),
  edits: fc.array(sessionEdit, { maxLength: 6 }),
  ending: fc.constantFrom<Ending>("leave-and-wait", "close", "terminate"),
});

/** The frames a fuzzed session sends. `mutate` edits take a field-level mutation of that step. */
export function sessionFrames(session: FuzzedSession, name: string, mutate: (step: unknown) => string): string[] {
  let frames: (string | ClientMessageInput)[] = validSession(`fuzz-${session.room}`, name);
  const at = (n: number) => (frames.length === 0 ? 0 : n % frames.length);
  for (const edit of session.edits) {
    switch (edit.op) {
      case "drop":
        frames.splice(at(edit.at), 1);
        break;
      case "duplicate": {
        const i = at(edit.at);
        const step = frames[i];
        if (step !== undefined) frames.splice(i, 0, ...Array.from({ length: edit.times }, () => step));
        break;
      }
      case "swap": {
        const i = at(edit.at);
        const j = at(edit.with);
        if (frames.length > 0) [frames[i], frames[j]] = [frames[j]!, frames[i]!];
        break;
      }
      case "truncate":
        frames = frames.slice(0, Math.max(1, at(edit.at)));
        break;
      case "mutate": {
        const i = at(edit.at);
        const step = frames[i];
        if (step !== undefined) frames[i] = typeof step === "string" ? step : mutate(step);
        break;
      }
      case "insert":
        frames.splice(at(edit.at), 0, edit.frame);
        break;
    }
  }
  return frames.map((f) => (typeof f === "string" ? f : JSON.stringify(f)));
}

/** What one session saw. */
interface SessionOutcome {
  frames: number;
  errors: Record<string, number>;
  closeCode: number | undefined;
  problems: string[];
}

/** Close codes the server may use (RFC 6455 §7.4.1, and the protocol's 4000–4008); 1005: closed with none. */
const EXPECTED_CLOSE = new Set([1000, 1001, 1005, 1009, 4000, 4001, 4002, 4003, 4004, 4005, 4006, 4007, 4008]);

/** Runs one session's frames against the server; resolves when it ended. */
async function runSession(url: string, frames: string[], ending: Ending, known: Set<string>): Promise<SessionOutcome> {
  const outcome: SessionOutcome = { frames: 0, errors: {}, closeCode: undefined, problems: [] };
  const ws = new WebSocket(url);
  let lastMessage = Date.now();
  const seen: string[] = [];
  const closed = new Promise<void>((resolve) => {
    ws.on("close", (code) => {
      outcome.closeCode = code;
      resolve();
    });
    ws.on("error", () => resolve());
  });
  ws.on("message", (data) => {
    lastMessage = Date.now();
    const decoded = decodeServerMessage(data.toString());
    if (!decoded.ok) {
      outcome.problems.push(`the server sent an invalid message: ${decoded.message}`);
      return;
    }
    const m = decoded.message;
    if (m.type === "error") {
      outcome.errors[m.code] = (outcome.errors[m.code] ?? 0) + 1;
      if (m.code === "INTERNAL") outcome.problems.push(`INTERNAL in reply to ${m.inReplyTo ?? "?"}: ${m.message}`);
    } else if (m.type === "joined") {
      for (const p of [m.self, ...m.participants]) known.add(p.id);
      seen.push(m.self.id);
    } else if (m.type === "participant.joined") known.add(m.participant.id);
  });
  const opened = await new Promise<boolean>((resolve) => {
    ws.once("open", () => resolve(true));
    ws.once("error", () => resolve(false));
  });
  if (!opened) {
    outcome.problems.push("could not connect");
    return outcome;
  }
  for (const frame of frames) {
    if (ws.readyState !== WebSocket.OPEN) break;
    const ids = [...known];
    const text = frame.includes(PEER) ? frame.split(PEER).join(ids[Math.floor(Math.random() * ids.length)] ?? "p0") : frame;
    ws.send(text);
    outcome.frames++;
    // Let the server answer now and then, as a real client's steps are spaced.
    if (outcome.frames % 4 === 0) await new Promise((r) => setTimeout(r, 5));
  }
  if (ending === "leave-and-wait") {
    // Wait until the server has been quiet for 300 ms (at most 5 s), then close.
    const deadline = Date.now() + 5_000;
    while (ws.readyState === WebSocket.OPEN && Date.now() < deadline && Date.now() - lastMessage < 300) await new Promise((r) => setTimeout(r, 50));
    ws.close();
  } else if (ending === "close") ws.close();
  else ws.terminate();
  await Promise.race([closed, new Promise((r) => setTimeout(r, 10_000))]);
  if (ending !== "terminate" && outcome.closeCode !== undefined && !EXPECTED_CLOSE.has(outcome.closeCode)) {
    outcome.problems.push(`closed with ${outcome.closeCode}`);
  }
  for (const id of seen) known.delete(id);
  return outcome;
}

export interface SignalingFuzzOptions {
  /** The server's http base URL. */
  url: string;
  /** The server's process id (for memory and descriptors). */
  pid: number;
  /** Sessions to run (at most). */
  sessions?: number;
  /** Time to spend (at most), ms. */
  timeLimitMs?: number;
  seed: number;
  /** Sessions at a time (default 4). */
  concurrency?: number;
  /** Sessions run before the "before" figures, so start-up allocations are not counted (default 8). */
  warmUp?: number;
  /** Most resident memory the server may gain, bytes (default 150 MB: the allocator keeps what peaks took). */
  maxRssGrowth?: number;
  /** Where sessions that found a problem are saved. */
  outDir?: string;
  /** Reads the server's participant count (to wait until everyone has left). */
  participants: () => Promise<number>;
  log?: (line: string) => void;
}

export interface SignalingFuzzResult {
  ok: boolean;
  sessions: number;
  frames: number;
  /** Error codes the server answered, with counts. */
  errors: Record<string, number>;
  /** Close codes, with counts. */
  closeCodes: Record<string, number>;
  before: ProcessStats;
  after: ProcessStats;
  problems: string[];
}

/** Runs mutated sessions against a running server and checks it survives unchanged. */
export async function fuzzSignaling(options: SignalingFuzzOptions): Promise<SignalingFuzzResult> {
  const log = options.log ?? (() => undefined);
  const wsUrl = `${options.url.replace("http", "ws")}/ws`;
  const concurrency = options.concurrency ?? 4;
  const maxSessions = options.sessions ?? Number.MAX_SAFE_INTEGER;
  let deadline = Number.MAX_SAFE_INTEGER;
  const known = new Set<string>();
  const result: SignalingFuzzResult = { ok: true, sessions: 0, frames: 0, errors: {}, closeCodes: {}, before: processStats(options.pid), after: processStats(options.pid), problems: [] };
  const mutateStep = (seed: number) => (step: unknown) => fc.sample(mutatedFrame([step]), { numRuns: 1, seed })[0]!;
  let index = 0;
  const runBatch = async (count: number, record: boolean) => {
    const sessions = fc.sample(fuzzedSession, { numRuns: count, seed: options.seed + index });
    for (let i = 0; i < sessions.length; i += concurrency) {
      await Promise.all(
        sessions.slice(i, i + concurrency).map(async (session, k) => {
          const n = index + i + k;
          const frames = sessionFrames(session, `Fuzz ${n}`, mutateStep(options.seed + n));
          const outcome = await runSession(wsUrl, frames, session.ending, known);
          if (!record) return;
          result.sessions++;
          result.frames += outcome.frames;
          for (const [code, c] of Object.entries(outcome.errors)) result.errors[code] = (result.errors[code] ?? 0) + c;
          const close = String(outcome.closeCode ?? "none");
          result.closeCodes[close] = (result.closeCodes[close] ?? 0) + 1;
          if (outcome.problems.length > 0) {
            result.problems.push(...outcome.problems.map((p) => `session ${n}: ${p}`));
            if (options.outDir) {
              mkdirSync(options.outDir, { recursive: true });
              writeFileSync(join(options.outDir, `signaling-${options.seed}-${n}.json`), JSON.stringify({ problems: outcome.problems, ending: session.ending, frames: frames.map((f) => (f.length > 2000 ? `${f.slice(0, 2000)}…(${f.length})` : f)) }, null, 1));
            }
          }
        }),
      );
      if (!record) continue;
      if (Date.now() > deadline || result.sessions >= maxSessions) return;
    }
    index += count;
  };
  await runBatch(options.warmUp ?? 8, false);
  await settle(options);
  result.before = processStats(options.pid);
  // The time limit counts from here: the warm-up and the settling are not part of it.
  deadline = Date.now() + (options.timeLimitMs ?? Number.MAX_SAFE_INTEGER);
  log(`signaling: server before: RSS ${mb(result.before.rssBytes)}, ${result.before.fds} fds, ${result.before.udpSockets} UDP sockets`);
  let lastLog = Date.now();
  while (Date.now() < deadline && result.sessions < maxSessions) {
    await runBatch(Math.min(40, maxSessions - result.sessions), true);
    if (Date.now() - lastLog > 60_000) {
      lastLog = Date.now();
      const now = processStats(options.pid);
      log(`  signaling: ${result.sessions} sessions, ${result.frames} frames; RSS ${mb(now.rssBytes)}, ${now.fds} fds, ${now.udpSockets} UDP sockets`);
    }
  }
  await settle(options);
  result.after = processStats(options.pid);
  const rssGrowth = result.after.rssBytes - result.before.rssBytes;
  if (rssGrowth > (options.maxRssGrowth ?? 150 * 1024 * 1024)) result.problems.push(`RSS grew by ${mb(rssGrowth)}`);
  if (result.after.fds > result.before.fds + 4) result.problems.push(`descriptors: ${result.before.fds} before, ${result.after.fds} after`);
  if (result.after.udpSockets > result.before.udpSockets) result.problems.push(`UDP sockets: ${result.before.udpSockets} before, ${result.after.udpSockets} after`);
  result.ok = result.problems.length === 0;
  log(`signaling: ${result.sessions} sessions, ${result.frames} frames; errors ${JSON.stringify(result.errors)}; closes ${JSON.stringify(result.closeCodes)}`);
  log(`signaling: server after: RSS ${mb(result.after.rssBytes)} (${rssGrowth >= 0 ? "+" : ""}${mb(rssGrowth)}), ${result.after.fds} fds, ${result.after.udpSockets} UDP sockets; ${result.problems.length} problems`);
  for (const p of result.problems.slice(0, 20)) log(`    ${p}`);
  return result;
}

/** Waits until nobody is left in any room (at most 30 s), then 2 s more for closes to finish. */
async function settle(options: SignalingFuzzOptions): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && (await options.participants()) > 0) await new Promise((r) => setTimeout(r, 250));
  await new Promise((r) => setTimeout(r, 2_000));
}

/** Starts a server process, fuzzes it, stops it; a crash is a problem of its own. */
export async function fuzzSignalingAgainstServer(options: {
  timeLimitMs?: number;
  sessions?: number;
  seed: number;
  outDir?: string;
  log?: (line: string) => void;
  /** The server's environment over its defaults (e.g. `RESUME_GRACE_MS`). */
  env?: Record<string, string>;
}): Promise<SignalingFuzzResult> {
  const server = await ServerProcess.start({ DATA_DIR: freshDataDir(), ...options.env });
  try {
    const result = await fuzzSignaling({
      url: server.url,
      pid: server.pid,
      seed: options.seed,
      ...(options.timeLimitMs !== undefined ? { timeLimitMs: options.timeLimitMs } : {}),
      ...(options.sessions !== undefined ? { sessions: options.sessions } : {}),
      ...(options.outDir !== undefined ? { outDir: options.outDir } : {}),
      ...(options.log ? { log: options.log } : {}),
      participants: async () => (await server.metrics()).confab_participants ?? 0,
    });
    if (!server.running) {
      result.problems.push("the server exited");
      result.ok = false;
    }
    return result;
  } finally {
    await server.stop();
  }
}
