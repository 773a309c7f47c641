import { WebSocket } from "ws";
import { MAX_CHAT_LENGTH, MAX_DISPLAY_NAME_LENGTH, MAX_SIGNAL_FRAME_BYTES, PROTOCOL_VERSION, type ClientMessageInput } from "@confab/protocol";
import { SDP_FIXTURES } from "@confab/server/fuzz";
import { issueOffer } from "@confab/server/testing";
import { ServerProcess, freshDataDir } from "../bench/server-process.js";
import { mb, processCpuMicros, processStats } from "./procStats.js";

/*
 * The worst single message a client can send, kind by kind: what it costs the server in CPU
 * (from /proc/<pid>/stat of the server process, all threads) and in resident memory kept after
 * its sender has left. Each kind is sent by REPEAT clients, one after the other, each message
 * answered before the next; the CPU is the server's over the batch less its idle rate, divided
 * by REPEAT; the memory is its RSS once everyone has left and the server settled, less before.
 */

/** What state the sender is in before its message. */
type Before = "connected" | "hello" | "joined";

interface WorstCase {
  name: string;
  before: Before;
  /** The frame (i: which client, so each can use a room of its own). */
  frame: (i: number) => string;
  /**
   * The server answers nothing to it: a cheap marker follows (`hello` again, answered
   * BAD_STATE), so the batch waits for the message to be handled, not for a timeout.
   */
  silent?: boolean;
}

const json = (m: ClientMessageInput | Record<string, unknown>) => JSON.stringify(m);

/** A video section as Chromium writes one (simulcast, RTX, extmaps), padded with candidates. */
function videoSection(mid: number, candidates: number): string[] {
  const pts = Array.from({ length: 30 }, (_, k) => 35 + k);
  return [
    `m=video 9 UDP/TLS/RTP/SAVPF ${pts.join(" ")}`,
    "c=IN IP4 0.0.0.0",
    "a=rtcp:9 IN IP4 0.0.0.0",
    "a=ice-ufrag:tkbL",
    "a=ice-pwd:PZQafpcDONDBtBpk3x31Kk9m",
    "a=ice-options:trickle",
    "a=fingerprint:sha-256 F9:9C:6B:12:16:EF:CD:18:BE:36:25:DB:99:86:A3:73:74:DB:8D:FC:6F:4D:BB:2E:5E:BE:49:FA:6C:0B:1C:87",
    "a=setup:actpass",
    `a=mid:${mid}`,
    ...Array.from({ length: 14 }, (_, k) => `a=extmap:${k + 1} urn:example:ext-${k}`),
    "a=extmap:15 urn:ietf:params:rtp-hdrext:sdes:mid",
    "a=extmap:16 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
    "a=sendonly",
    `a=msid:- track-${mid}`,
    "a=rtcp-mux",
    "a=rtcp-rsize",
    ...pts.flatMap((pt) => [`a=rtpmap:${pt} VP8/90000`, `a=rtcp-fb:${pt} nack`, `a=rtcp-fb:${pt} nack pli`, `a=rtcp-fb:${pt} transport-cc`]),
    "a=rid:q send",
    "a=rid:h send",
    "a=rid:f send",
    "a=simulcast:send q;h;f",
    ...Array.from({ length: candidates }, (_, k) => `a=candidate:${k} 1 udp 2122260223 192.0.2.${k + 1} ${50_000 + k} typ host generation 0 network-id 1`),
  ];
}

/** The largest publisher offer within the server's bounds: 8 video sections of 30 codecs each, candidates up to 64 KiB and 2 000 lines. */
export function largestAllowedOffer(): string {
  const sections = 8;
  const head = ["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", `a=group:BUNDLE ${Array.from({ length: sections }, (_, i) => i).join(" ")}`, "a=msid-semantic: WMS"];
  const offer = (candidates: number) => [...head, ...Array.from({ length: sections }, (_, i) => videoSection(i, candidates)).flat()].join("\r\n") + "\r\n";
  let candidates = 0;
  // 30: the most distinct remote candidates a connection takes (the same 30 in every section).
  while (candidates < 30) {
    const next = offer(candidates + 1);
    if (next.length > 64 * 1024 || next.split("\r\n").length > 2_000) break;
    candidates++;
  }
  return offer(candidates);
}

/** A data-channel offer as a browser's lobby probe sends it (complete, candidates inside). */
const PROBE_OFFER = [
  "v=0",
  "o=- 1 2 IN IP4 127.0.0.1",
  "s=-",
  "t=0 0",
  "a=group:BUNDLE 0",
  "a=msid-semantic: WMS",
  "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
  "c=IN IP4 0.0.0.0",
  "a=candidate:1 1 udp 2122260223 127.0.0.1 9 typ host generation 0",
  "a=ice-ufrag:tkbL",
  "a=ice-pwd:PZQafpcDONDBtBpk3x31Kk9m",
  "a=fingerprint:sha-256 F9:9C:6B:12:16:EF:CD:18:BE:36:25:DB:99:86:A3:73:74:DB:8D:FC:6F:4D:BB:2E:5E:BE:49:FA:6C:0B:1C:87",
  "a=setup:actpass",
  "a=mid:0",
  "a=sctp-port:5000",
  "a=max-message-size:262144",
  "",
].join("\r\n");

const CHROMIUM_TRACKS = [
  { mid: "0", kind: "audio", source: "microphone" },
  { mid: "1", kind: "video", source: "camera" },
  { mid: "2", kind: "video", source: "screen" },
  { mid: "3", kind: "audio", source: "screen-audio" },
] as const;

/** `n` characters that normalize to a quarter of them: each letter followed by three control or format characters. */
const messyText = (n: number) => "a\u0001\u200b\u0002".repeat(Math.ceil(n / 4)).slice(0, n);

/** 256 characters (the most a name may have) that normalize to 63: each letter and 7 control or format characters. */
const blankRichName = "a\u0001\u0002\u0003\u200b\u200c\u200d\u2060".repeat(MAX_DISPLAY_NAME_LENGTH / 2);

/** The kinds of worst message, in table order. */
export const WORST_CASES: readonly WorstCase[] = [
  { name: "hello, longest client name", before: "connected", frame: () => json({ type: "hello", protocolVersion: PROTOCOL_VERSION, client: "c".repeat(128) }) },
  {
    // A password is checked only for a room that has one (scrypt, see the policy line), and
    // counts against the address's password attempts either way.
    name: `join, every field at its longest (64-character room, ${MAX_DISPLAY_NAME_LENGTH * 4}-character name to normalize)`,
    before: "hello",
    frame: (i) => json({ type: "join", room: `wm-join-${i}-`.padEnd(64, "x"), name: blankRichName }),
  },
  { name: "join with a 4 096-character token", before: "hello", frame: (i) => json({ type: "join", room: `wm-token-${i}`, name: "Ann", token: `eyJ${"a".repeat(4093)}` }) },
  { name: "resume with an unknown token", before: "hello", frame: (i) => json({ type: "resume", room: `wm-resume-${i}`, token: "r".repeat(256) }) },
  { name: `chat, longest (${MAX_CHAT_LENGTH * 4} characters normalized to ${MAX_CHAT_LENGTH})`, before: "joined", frame: () => json({ type: "chat", text: messyText(MAX_CHAT_LENGTH * 4) }) },
  { name: "view of 256 tracks", before: "joined", silent: true, frame: () => json({ type: "view", tracks: Array.from({ length: 256 }, (_, k) => ({ trackId: `p${k}:t${k}`, width: 7680, height: 4320, pinned: true })) }) },
  { name: "ice, 1 024-character candidate", before: "joined", silent: true, frame: () => json({ type: "ice", pc: "publisher", candidate: { candidate: `candidate:1 1 udp 1 192.0.2.1 9 typ host ${"x".repeat(980)}`, sdpMid: "0", sdpMLineIndex: 0 } }) },
  {
    name: "publisher offer: a browser's camera, microphone, screen and screen audio",
    before: "joined",
    frame: () => json({ type: "sdp", pc: "publisher", description: { type: "offer", sdp: SDP_FIXTURES[1]! }, tracks: [...CHROMIUM_TRACKS] }),
  },
  {
    name: "publisher offer: the largest within the bounds (8 simulcast video sections × 30 codecs, candidates up to 64 KiB)",
    before: "joined",
    frame: () => json({ type: "sdp", pc: "publisher", description: { type: "offer", sdp: largestAllowedOffer() }, tracks: [{ mid: "0", kind: "video", source: "camera" }, { mid: "1", kind: "video", source: "screen" }] }),
  },
  { name: "publisher offer with 152 m-sections (refused)", before: "joined", frame: () => json({ type: "sdp", pc: "publisher", description: { type: "offer", sdp: issueOffer() }, tracks: [] }) },
  { name: "probe: a browser's data-channel offer (before joining)", before: "hello", frame: () => json({ type: "probe", sdp: PROBE_OFFER }) },
  { name: "probe with 152 m-sections (refused)", before: "hello", frame: () => json({ type: "probe", sdp: issueOffer() }) },
  { name: "policy: set a password (moderator; scrypt)", before: "joined", frame: (i) => json({ type: "policy", change: { password: `secret-${i}`.padEnd(128, "s") } }) },
  { name: "frame of 256 KiB + 1 (TOO_BIG)", before: "hello", frame: () => "x".repeat(MAX_SIGNAL_FRAME_BYTES + 1) },
  { name: "256 KiB of nested arrays (BAD_MESSAGE)", before: "hello", frame: () => `{"type":"chat","text":${"[".repeat(130_000)}${"]".repeat(130_000)}}` },
];

/** One line of the table. */
export interface WorstMessageResult {
  name: string;
  bytes: number;
  /** What the server answered (message type or error code), most common first. */
  reply: string;
  cpuMsPerMessage: number;
  retainedBytesPerMessage: number;
}

interface Client {
  ws: WebSocket;
  messages: { type: string; code?: string }[];
}

async function connect(wsUrl: string): Promise<Client> {
  const ws = new WebSocket(wsUrl, { maxPayload: 64 * 1024 * 1024 });
  const client: Client = { ws, messages: [] };
  ws.on("message", (data) => client.messages.push(JSON.parse(data.toString()) as { type: string; code?: string }));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return client;
}

/** Resolves once `client` has a message past `seen` (or closed, or after `timeoutMs`); returns it. */
async function nextReply(client: Client, seen: number, timeoutMs = 5_000): Promise<{ type: string; code?: string } | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (client.messages.length <= seen && client.ws.readyState === WebSocket.OPEN && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  return client.messages[seen];
}

async function prepare(wsUrl: string, before: Before, room: string): Promise<Client> {
  const client = await connect(wsUrl);
  if (before === "connected") return client;
  client.ws.send(json({ type: "hello", protocolVersion: PROTOCOL_VERSION }));
  await nextReply(client, 0);
  if (before === "joined") {
    client.ws.send(json({ type: "join", room, name: "Worst" }));
    for (let k = 0; k < 3_000 && !client.messages.some((m) => m.type === "joined" || m.type === "error"); k++) await new Promise((r) => setTimeout(r, 10));
    const refused = client.messages.find((m) => m.type === "error");
    if (refused) console.log(`  could not join ${room}: ${refused.code} ${(refused as { message?: string }).message ?? ""}`);
  }
  return client;
}

async function settle(server: ServerProcess): Promise<void> {
  for (let k = 0; k < 200 && ((await server.metrics()).confab_participants ?? 0) > 0; k++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 3_000));
}

/** Measures one kind of message, sent `repeat` times (after `warmUp` unmeasured ones). */
async function measureCase(server: ServerProcess, c: WorstCase, repeat: number, warmUp: number): Promise<WorstMessageResult> {
  const wsUrl = `${server.url.replace("http", "ws")}/ws`;
  const slug = c.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 20);
  const run = async (count: number, offset: number, measure: boolean) => {
    const clients = await Promise.all(Array.from({ length: count }, (_, i) => prepare(wsUrl, c.before, `wm-${slug}-${offset + i}`)));
    const frames = clients.map((_, i) => c.frame(offset + i));
    await new Promise((r) => setTimeout(r, 1_000));
    // The server's CPU rate with nothing to do, to take off the batch's.
    const idle0 = processCpuMicros(server.pid);
    const idleT0 = performance.now();
    await new Promise((r) => setTimeout(r, 1_000));
    const idleRate = (processCpuMicros(server.pid) - idle0) / (performance.now() - idleT0);
    const rss0 = processStats(server.pid).rssBytes;
    const cpu0 = processCpuMicros(server.pid);
    const t0 = performance.now();
    const replies: string[] = [];
    let lastError: string | undefined;
    for (let i = 0; i < clients.length; i++) {
      const client = clients[i]!;
      const seen = client.messages.length;
      client.ws.send(frames[i]!);
      if (c.silent) client.ws.send(json({ type: "hello", protocolVersion: PROTOCOL_VERSION }));
      const reply = await nextReply(client, seen);
      if (reply?.type === "error" && !c.silent && reply.code !== "TOO_BIG") lastError = (reply as { message?: string }).message;
      const answer = reply ? (reply.type === "error" ? reply.code ?? "error" : reply.type) : client.ws.readyState === WebSocket.OPEN ? "no reply" : "closed";
      replies.push(c.silent && answer === "BAD_STATE" ? "(none)" : answer);
    }
    await new Promise((r) => setTimeout(r, 300));
    const cpu = processCpuMicros(server.pid) - cpu0 - idleRate * (performance.now() - t0);
    for (const client of clients) {
      if (client.ws.readyState === WebSocket.OPEN) client.ws.send(json({ type: "leave" }));
      client.ws.close();
    }
    await settle(server);
    const retained = processStats(server.pid).rssBytes - rss0;
    if (!measure) return undefined;
    if (lastError) console.log(`  ${c.name}: ${lastError}`);
    const counts = new Map<string, number>();
    for (const r of replies) counts.set(r, (counts.get(r) ?? 0) + 1);
    return {
      name: c.name,
      bytes: Buffer.byteLength(frames[0]!),
      reply: [...counts].sort((a, b) => b[1] - a[1]).map(([r, n]) => (counts.size > 1 ? `${r} ×${n}` : r)).join(", "),
      cpuMsPerMessage: Math.max(0, cpu) / count / 1000,
      retainedBytesPerMessage: retained / count,
    };
  };
  await run(warmUp, 10_000, false);
  return (await run(repeat, 0, true))!;
}

/** Runs every case against a fresh server (one SFU worker); returns the table's lines. */
export async function measureWorstMessages(options: { repeat?: number; only?: string; log?: (line: string) => void } = {}): Promise<WorstMessageResult[]> {
  const server = await ServerProcess.start({ WORKERS: "1", LOG_LEVEL: "info", DATA_DIR: freshDataDir() });
  const results: WorstMessageResult[] = [];
  try {
    // `only`: the kinds whose name contains it (a re-measure of a few rows).
    for (const c of WORST_CASES.filter((w) => options.only === undefined || w.name.includes(options.only))) {
      const result = await measureCase(server, c, options.repeat ?? 20, 3);
      results.push(result);
      options.log?.(`${c.name}: ${result.cpuMsPerMessage.toFixed(2)} ms CPU, ${mb(result.retainedBytesPerMessage)} retained (${result.reply}); server RSS ${mb(processStats(server.pid).rssBytes)}`);
      if (!server.running) throw new Error(`the server exited during "${c.name}"`);
    }
  } finally {
    await server.stop();
  }
  return results;
}

/** The markdown table (goal: < 50 ms CPU and < 1 MB retained per message). */
export function worstMessageTable(results: readonly WorstMessageResult[]): string {
  const size = (n: number) => (n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);
  const lines = [
    "| message | size | server's answer | server CPU per message | RSS kept per message | within goal |",
    "| --- | ---: | --- | ---: | ---: | :---: |",
    ...results.map((r) => {
      const ok = r.cpuMsPerMessage < 50 && r.retainedBytesPerMessage < 1024 * 1024;
      const kept = r.retainedBytesPerMessage <= 0 ? "≤ 0" : `${(r.retainedBytesPerMessage / 1024).toFixed(0)} KiB`;
      return `| ${r.name} | ${size(r.bytes)} | ${r.reply} | ${r.cpuMsPerMessage.toFixed(1)} ms | ${kept} | ${ok ? "✓" : "✗"} |`;
    }),
  ];
  return lines.join("\n");
}
