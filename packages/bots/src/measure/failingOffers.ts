import { WebSocket } from "ws";
import { PROTOCOL_VERSION } from "@confab/protocol";
import { FAILING_OFFERS, GOOD_OFFER, GOOD_OFFER_TRACKS } from "@confab/server/fuzz";
import { ServerProcess, freshDataDir } from "../bench/server-process.js";
import { mb, processCpuMicros, processStats, type ProcessStats } from "./procStats.js";

/*
 * `npm run measure -- failing-offers --count 10000`: what offers that fail cost a server and
 * whether it gives everything back. `clients` participants (each in a room of its own) first
 * publish a good offer, then send failing offers of every kind in FAILING_OFFERS in turn
 * (@confab/server/fuzz: one per way werift can fail to apply or answer an offer), each answered
 * before the next, at most 40 a second each (the server takes 50 per connection). Prints the
 * server's descriptors, UDP sockets and RSS before, once the offers are done (the participants
 * still there) and after they left, with the answers it gave.
 */

/** What one run found. */
export interface FailingOffersResult {
  count: number;
  clients: number;
  seconds: number;
  cpuMsPerOffer: number;
  /** What the server answered to the failing offers: error code (or message type) → count. */
  replies: Map<string, number>;
  /** Before anyone joined, once the failing offers were answered, after everyone left. */
  before: ProcessStats;
  during: ProcessStats;
  after: ProcessStats;
  /** The last good offer of each participant was answered (it stayed usable). */
  usableAfter: number;
}

type Reply = { type: string; code?: string; message?: string };

class Client {
  readonly replies: Reply[] = [];
  private wake: (() => void) | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      this.replies.push(JSON.parse(data.toString()) as Reply);
      this.wake?.();
    });
    ws.on("close", () => this.wake?.());
  }

  static async open(url: string): Promise<Client> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return new Client(ws);
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  /** The next reply whose type is one of `types` (others are dropped), or undefined after `timeoutMs`. */
  async next(types: readonly string[], timeoutMs = 15_000): Promise<Reply | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.replies.findIndex((r) => types.includes(r.type));
      if (i >= 0) {
        const [reply] = this.replies.splice(0, i + 1).slice(-1);
        return reply;
      }
      if (Date.now() > deadline || this.ws.readyState !== WebSocket.OPEN) return undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 100);
      });
    }
  }
}

async function joined(url: string, room: string): Promise<Client> {
  const client = await Client.open(url);
  client.send({ type: "hello", protocolVersion: PROTOCOL_VERSION });
  await client.next(["welcome"]);
  client.send({ type: "join", room, name: "Failing" });
  const reply = await client.next(["joined", "error"]);
  if (reply?.type !== "joined") throw new Error(`could not join ${room}: ${reply?.code ?? "no answer"} ${reply?.message ?? ""}`);
  return client;
}

async function goodOffer(client: Client): Promise<boolean> {
  client.send({ type: "sdp", pc: "publisher", description: { type: "offer", sdp: GOOD_OFFER }, tracks: GOOD_OFFER_TRACKS });
  return (await client.next(["sdp", "error"]))?.type === "sdp";
}

/** Leaves (a dropped socket would keep the participant for the resume grace period) and closes. */
function leave(client: Client): void {
  client.send({ type: "leave" });
  client.ws.close();
}

async function settle(server: ServerProcess): Promise<void> {
  for (let k = 0; k < 300 && ((await server.metrics()).confab_participants ?? 0) > 0; k++) await new Promise((r) => setTimeout(r, 100));
  // Closed transports let go of their sockets a moment after the participant left.
  await new Promise((r) => setTimeout(r, 3_000));
}

/** Sends `count` failing offers from `clients` participants to a fresh server (one SFU worker). */
export async function measureFailingOffers(options: { count: number; clients?: number; log?: (line: string) => void }): Promise<FailingOffersResult> {
  const clients = options.clients ?? 20;
  const log = options.log ?? (() => undefined);
  const server = await ServerProcess.start({ WORKERS: "1", LOG_LEVEL: "info", DATA_DIR: freshDataDir() });
  try {
    const url = `${server.url.replace("http", "ws")}/ws`;
    // One session first, so what opens once (certificates, modules) is in the baseline.
    const warm = await joined(url, "failing-warm");
    await goodOffer(warm);
    leave(warm);
    await settle(server);
    const before = processStats(server.pid);
    log(`before: ${describe(before)}`);

    const participants = await Promise.all(Array.from({ length: clients }, (_, i) => joined(url, `failing-${i}`)));
    await Promise.all(participants.map(goodOffer));
    const replies = new Map<string, number>();
    const cpu0 = processCpuMicros(server.pid);
    const t0 = performance.now();
    let sent = 0;
    let lastLog = t0;
    await Promise.all(
      participants.map(async (client) => {
        for (;;) {
          const index = sent++;
          if (index >= options.count) return;
          const failing = FAILING_OFFERS[index % FAILING_OFFERS.length]!;
          const started = performance.now();
          client.send({ type: "sdp", pc: "publisher", description: { type: "offer", sdp: failing.offer(Math.floor(index / FAILING_OFFERS.length)) }, tracks: [] });
          const reply = await client.next(["error", "sdp"]);
          const key = reply ? (reply.type === "error" ? reply.code ?? "error" : reply.type) : "no reply";
          replies.set(key, (replies.get(key) ?? 0) + 1);
          if (performance.now() - lastLog > 10_000) {
            lastLog = performance.now();
            log(`${Math.min(sent, options.count)} sent: ${describe(processStats(server.pid))}`);
          }
          // At most 40 a second per connection (the server allows 50).
          const wait = 25 - (performance.now() - started);
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpuMsPerOffer = (processCpuMicros(server.pid) - cpu0) / 1000 / options.count;
    const during = processStats(server.pid);
    log(`after ${options.count} failing offers (participants still there): ${describe(during)}`);
    const usable = await Promise.all(participants.map(goodOffer));
    for (const client of participants) leave(client);
    await settle(server);
    const after = processStats(server.pid);
    log(`after everyone left: ${describe(after)}`);
    return { count: options.count, clients, seconds, cpuMsPerOffer, replies, before, during, after, usableAfter: usable.filter(Boolean).length };
  } finally {
    await server.stop();
  }
}

function describe(s: ProcessStats): string {
  return `${s.fds} fds, ${s.udpSockets} UDP sockets, RSS ${mb(s.rssBytes)}`;
}

/** The markdown table of a run. */
export function failingOffersTable(r: FailingOffersResult): string {
  const row = (name: string, s: ProcessStats) => `| ${name} | ${s.fds} | ${s.udpSockets} | ${mb(s.rssBytes)} |`;
  const answers = [...r.replies].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ×${n}`).join(", ");
  return [
    `${r.count} failing offers (${FAILING_OFFERS.length} kinds) from ${r.clients} participants in ${r.seconds.toFixed(0)} s; server CPU ${r.cpuMsPerOffer.toFixed(2)} ms per offer; answers: ${answers}; good offers answered afterwards: ${r.usableAfter} of ${r.clients}.`,
    "",
    "| | descriptors | UDP sockets | RSS |",
    "| --- | ---: | ---: | ---: |",
    row("before", r.before),
    row(`after the failing offers (${r.clients} participants, each with a publisher connection)`, r.during),
    row("after everyone left", r.after),
  ].join("\n");
}
