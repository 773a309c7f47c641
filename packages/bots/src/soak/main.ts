import { parseArgs } from "node:util";
import { Bot } from "../Bot.js";
import { ServerProcess, freshDataDir, killServersOnInterrupt } from "../bench/server-process.js";
import { mb, processStats } from "../measure/procStats.js";

/*
 * npm run soak -- [--minutes 30] [--rooms 3] [--bots 3] [--warmup-minutes 5]
 *
 * Bots join, publish (VP8 camera and Opus at real time), stay 15–45 s, leave (or drop their
 * connection, one time in five, and are removed after the resume grace period) and join
 * again, continuously, in several rooms, against a server process. Every minute it prints the
 * server's resident memory, V8 heaps (main thread and SFU workers), descriptors, UDP sockets
 * and event-loop delay; at the end the growth from the end of the warm-up to the end of the
 * run (goal: under 10 % over 30 minutes). Not part of `npm test`.
 */
const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "30" },
    rooms: { type: "string", default: "3" },
    bots: { type: "string", default: "3" },
    "warmup-minutes": { type: "string" },
  },
});
const minutes = Number(values.minutes);
const warmupMinutes = values["warmup-minutes"] !== undefined ? Number(values["warmup-minutes"]) : Math.min(5, minutes / 3);
const rooms = Number(values.rooms);
const botsPerRoom = Number(values.bots);

interface Sample {
  minute: number;
  rssBytes: number;
  mainHeapBytes: number;
  workerHeapBytes: number;
  fds: number;
  udpSockets: number;
  mainDelayMs: number;
  workerDelayMs: number;
  participants: number;
  /** Each SFU worker thread's V8 memory, by worker index. */
  workers: WorkerMemory[];
  /** glibc malloc, whole process: held in arenas, and free inside them (0 when the server cannot tell). */
  mallocArenaBytes: number;
  mallocFreeBytes: number;
}

interface WorkerMemory {
  worker: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** The per-worker figures of `confab_sfu_worker_memory_bytes{worker,kind}`. */
function workerMemory(metrics: Record<string, number>): WorkerMemory[] {
  const byWorker = new Map<number, WorkerMemory>();
  const kinds = { heap_used: "heapUsed", heap_total: "heapTotal", external: "external", array_buffers: "arrayBuffers" } as const;
  for (const [key, value] of Object.entries(metrics)) {
    const match = /^confab_sfu_worker_memory_bytes\{worker="(\d+)",kind="(\w+)"\}$/.exec(key);
    const kind = match ? kinds[match[2] as keyof typeof kinds] : undefined;
    if (!match || !kind) continue;
    const worker = Number(match[1]);
    const entry = byWorker.get(worker) ?? { worker, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
    entry[kind] = value;
    byWorker.set(worker, entry);
  }
  return [...byWorker.values()].sort((a, b) => a.worker - b.worker);
}

killServersOnInterrupt();
const server = await ServerProcess.start({ DATA_DIR: freshDataDir() });
const started = Date.now();
// The server going away ends the run with what it said (exit code or signal) and its last log lines.
void server.exited.then(({ code, signal }) => {
  if (stopping) return;
  console.log(`the server exited during the soak (code ${code}, signal ${signal}) at ${((Date.now() - started) / 60_000).toFixed(1)} min; its last log lines:`);
  for (const line of server.output.slice(-20)) console.log(`  ${line.slice(0, 400)}`);
  process.exit(1);
});
let stopping = false;
const stopAt = started + minutes * 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** `promise`, or a rejection after `ms` (a bot that never hears back must not stop the run). */
const within = <T>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s`)), ms).unref())]);
const counts = { joins: 0, leaves: 0, drops: 0, failedJoins: 0 };

/** One seat in a room: a bot that joins, stays, goes and comes back until the end. */
async function seat(room: number, index: number): Promise<void> {
  await sleep(Math.random() * 10_000); // spread the first joins
  let round = 0;
  while (Date.now() < stopAt) {
    const bot = new Bot({ url: server.url, room: `soak-${room}`, name: `Soak ${room}.${index}.${round++}`, publish: { video: true, audio: true }, countOnly: true });
    try {
      await within(bot.join(), 30_000, "a join");
      counts.joins++;
      await sleep(Math.min(15_000 + Math.random() * 30_000, Math.max(0, stopAt - Date.now())));
      if (Math.random() < 0.2) counts.drops++; // the socket just closes: removed after the grace period
      else {
        bot.send({ type: "leave" });
        counts.leaves++;
        await sleep(200);
      }
    } catch (error) {
      counts.failedJoins++;
      console.log(`  a join failed: ${(error as Error).message}`);
    }
    await within(bot.close(), 10_000, "closing a bot").catch((error: Error) => console.log(`  ${error.message}`));
    await sleep(1_000 + Math.random() * 2_000);
  }
}

async function sample(): Promise<Sample> {
  const p = processStats(server.pid);
  const m = await server.metrics();
  return {
    minute: (Date.now() - started) / 60_000,
    rssBytes: p.rssBytes,
    mainHeapBytes: m.confab_nodejs_heap_size_used_bytes ?? 0,
    workerHeapBytes: m.confab_sfu_workers_heap_used_bytes ?? 0,
    fds: p.fds,
    udpSockets: p.udpSockets,
    mainDelayMs: (m.confab_nodejs_eventloop_lag_p99_seconds ?? 0) * 1000,
    workerDelayMs: (m.confab_sfu_workers_event_loop_delay_p99_seconds ?? 0) * 1000,
    participants: m.confab_participants ?? 0,
    workers: workerMemory(m),
    mallocArenaBytes: m[`confab_malloc_bytes{kind="arena"}`] ?? 0,
    mallocFreeBytes: m[`confab_malloc_bytes{kind="free"}`] ?? 0,
  };
}

/** One line per SFU worker under the sample's line: its heap in use / allocated, external and ArrayBuffer memory. */
const workerLines = (s: Sample) =>
  `\n        malloc arenas ${mb(s.mallocArenaBytes)} (free inside ${mb(s.mallocFreeBytes)})` +
  s.workers.map((w) => `\n        worker ${w.worker}: heap ${mb(w.heapUsed)} used of ${mb(w.heapTotal)}, external ${mb(w.external)} (ArrayBuffers ${mb(w.arrayBuffers)})`).join("");

const line = (s: Sample) =>
  `${s.minute.toFixed(1).padStart(5)} min  RSS ${mb(s.rssBytes).padStart(9)}  heap main ${mb(s.mainHeapBytes).padStart(8)} workers ${mb(s.workerHeapBytes).padStart(8)}  fds ${String(s.fds).padStart(4)}  UDP ${String(s.udpSockets).padStart(3)}  ` +
  `loop delay p99 main ${s.mainDelayMs.toFixed(1)} ms workers ${s.workerDelayMs.toFixed(1)} ms  participants ${s.participants}  joins ${counts.joins} leaves ${counts.leaves} drops ${counts.drops} failed ${counts.failedJoins}` +
  workerLines(s);

console.log(`soak: ${rooms} rooms × ${botsPerRoom} bots for ${minutes} min (warm-up ${warmupMinutes} min), server pid ${server.pid}`);
const seats = Array.from({ length: rooms * botsPerRoom }, (_, i) => seat(Math.floor(i / botsPerRoom), i % botsPerRoom));
const samples: Sample[] = [await sample()];
console.log(line(samples[0]!));
while (Date.now() < stopAt) {
  await sleep(Math.min(60_000, stopAt - Date.now()));
  const s = await sample();
  samples.push(s);
  console.log(line(s));
}
await within(Promise.all(seats), 90_000, "the last bots' leaving").catch((error: Error) => console.log(`  ${error.message}`));
// Everyone has left (or is in the grace period): give the server that long to be empty.
for (let i = 0; i < 180 && (await server.metrics()).confab_participants! > 0; i++) await sleep(250);
await sleep(3_000);
const empty = await sample();
console.log(`after everyone left:\n${line(empty)}`);

const warm = samples.find((s) => s.minute >= warmupMinutes) ?? samples[0]!;
const last = samples[samples.length - 1]!;
const growth = (a: number, b: number) => `${a === 0 ? "—" : `${(((b - a) / a) * 100).toFixed(1)} %`}`;
console.log(`growth from the end of the warm-up (${warm.minute.toFixed(1)} min) to the end (${last.minute.toFixed(1)} min):`);
console.log(`  RSS ${mb(warm.rssBytes)} → ${mb(last.rssBytes)} (${growth(warm.rssBytes, last.rssBytes)}), heap main ${mb(warm.mainHeapBytes)} → ${mb(last.mainHeapBytes)} (${growth(warm.mainHeapBytes, last.mainHeapBytes)}), workers ${mb(warm.workerHeapBytes)} → ${mb(last.workerHeapBytes)} (${growth(warm.workerHeapBytes, last.workerHeapBytes)})`);
console.log(`  fds ${warm.fds} → ${last.fds}, UDP sockets ${warm.udpSockets} → ${last.udpSockets}; after everyone left: RSS ${mb(empty.rssBytes)}, fds ${empty.fds}, UDP sockets ${empty.udpSockets}, participants ${empty.participants}`);
console.log(JSON.stringify({ minutes, rooms, botsPerRoom, counts, warm, last, empty, rssGrowthPct: ((last.rssBytes - warm.rssBytes) / warm.rssBytes) * 100 }));
stopping = true;
await server.stop();
process.exit(0);
