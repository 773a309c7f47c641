import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { SERVER_ENV, SERVER_NODE_FLAGS } from "@confab/server";
import { serverPrefix } from "./isolate.js";
import { setupSeconds } from "./scenario.js";

const SERVER_MAIN = fileURLToPath(new URL("../../../server/dist/main.js", import.meta.url));
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * Where a server's CPU time went between two {@link ServerProcess.threadCpuMicros} readings,
 * µs: its main thread (HTTP, signaling), its busiest other thread (with one SFU worker
 * carrying the load: that worker) and all the rest (other workers, V8's compiler and GC
 * threads, libuv's pool).
 */
export function cpuSplit(pid: number, before: Map<number, number>, after: Map<number, number>): { main: number; busiest: number; rest: number } {
  let main = 0;
  let busiest = 0;
  let total = 0;
  for (const [tid, micros] of after) {
    const used = micros - (before.get(tid) ?? 0);
    total += used;
    if (tid === pid) main = used;
    else busiest = Math.max(busiest, used);
  }
  return { main, busiest, rest: total - main - busiest };
}

/** The id of the thread (not the main one) that used the most CPU between two {@link ServerProcess.threadCpuMicros} readings. */
export function busiestThread(pid: number, before: Map<number, number>, after: Map<number, number>): number | undefined {
  let best: number | undefined;
  let most = -1;
  for (const [tid, micros] of after) {
    const used = micros - (before.get(tid) ?? 0);
    if (tid !== pid && used > most) [best, most] = [tid, used];
  }
  return best;
}

/** Lines of the server's stdout a {@link ServerProcess} keeps. */
const KEPT_LINES = 5000;

/** Servers started by this process (see {@link killServersOnInterrupt}). */
const running = new Set<ChildProcess>();
let handlersInstalled = false;

/**
 * Makes SIGINT and SIGTERM kill every server this process started before it exits (130), so an
 * interrupted long run (fuzz, soak, measurement) leaves no server behind. For command-line
 * entry points only: it replaces the process's own handling of those signals.
 */
export function killServersOnInterrupt(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      for (const child of running) child.kill("SIGKILL");
      process.exit(130);
    });
  }
}

/** A fresh data directory, so room settings a run changes (a password, a lock) do not follow into the next. */
export function freshDataDir(): string {
  return mkdtempSync(join(tmpdir(), "confab-server-"));
}

/** The server under test, in its own process so its CPU time can be measured alone. */
/** CPU time process `pid` has used (user + system, all its threads), microseconds. */
export function processCpuMicros(pid: number): number {
  // /proc/<pid>/stat: fields 14 and 15 are utime and stime in clock ticks (proc(5)).
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6;
}

export class ServerProcess {
  /** Settles when the process exits: its exit code (null when a signal ended it) and when. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    /** The server's most recent stdout lines (its JSON log), oldest first; at most {@link KEPT_LINES}. */
    readonly output: string[],
  ) {
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal, at: Date.now() })));
  }

  /** Sends `signal` and returns at once (`exited` says how it ended); for tests of its own shutdown. */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /**
   * Starts `packages/server/dist/main.js` on loopback (a free port unless `env.PORT` says);
   * resolves when it listens. `prefix` runs it through a command that execs it (e.g.
   * `ip netns exec <ns>`), so the process stays the server's.
   */
  static async start(env: Record<string, string> = {}, prefix: readonly string[] = []): Promise<ServerProcess> {
    // CONFAB_BENCH_PROFILE=<dir> writes a V8 CPU profile of the server (open in Chrome DevTools).
    const profile = process.env.CONFAB_BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.CONFAB_BENCH_PROFILE}`] : [];
    // CONFAB_BENCH_SERVER_FLAGS adds Node/V8 flags (e.g. "--trace-gc"), for diagnosis.
    const extra = (process.env.CONFAB_BENCH_SERVER_FLAGS ?? "").split(" ").filter((f) => f !== "");
    // CONFAB_BENCH_ISOLATE=<cpus> starts it on those CPUs only (isolate.ts).
    const [command, ...args] = [...prefix, ...serverPrefix(), process.execPath, ...SERVER_NODE_FLAGS, ...extra, ...profile, SERVER_MAIN];
    // LOG_FORMAT=json whatever the caller's environment says: the listening line is read from the JSON log.
    const child = spawn(command!, args, {
      env: { ...process.env, ...SERVER_ENV, PORT: "0", HOST: "127.0.0.1", HTTPS_PORT: "0", RTC_ANNOUNCED_IPS: "127.0.0.1", LOG_LEVEL: "info", LOG_FORMAT: "json", ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const output: string[] = [];
    const listening = new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      const timer = setTimeout(() => reject(new Error(`server did not start within ${setupSeconds(15)} s`)), setupSeconds(15) * 1000);
      // CONFAB_BENCH_SERVER_OUT=<file> appends the server's whole stdout there, for diagnosis.
      const copy = process.env.CONFAB_BENCH_SERVER_OUT;
      lines.on("line", (line) => {
        if (copy) appendFileSync(copy, line + "\n");
        output.push(line);
        if (output.length > KEPT_LINES) output.splice(0, output.length - KEPT_LINES);
        const match = /"http":"http:\/\/localhost:(\d+)"/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(`http://127.0.0.1:${match[1]}`);
        }
      });
      child.once("exit", (code) => reject(new Error(`server exited with ${code} before listening`)));
    });
    running.add(child);
    child.once("exit", () => running.delete(child));
    let url: string;
    try {
      url = await listening;
    } catch (error) {
      child.kill("SIGKILL"); // never leave a half-started server behind
      throw error;
    }
    return new ServerProcess(child, url, output);
  }

  /** The server's process id. */
  get pid(): number {
    return this.child.pid!;
  }

  /** Whether the server process is still running. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** CPU time the server process has used (user + system), microseconds. */
  cpuMicros(): number {
    return processCpuMicros(this.child.pid!);
  }

  /**
   * CPU time of each of the server's threads (user + system), microseconds, by thread id: the
   * main thread's id is {@link pid}; the SFU workers, V8's platform threads (compilers, GC
   * helpers) and libuv's pool are the others. A thread that ended is missing.
   */
  threadCpuMicros(): Map<number, number> {
    const out = new Map<number, number>();
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${this.child.pid}/task`);
    } catch {
      return out;
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${this.child.pid}/task/${tid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        out.set(Number(tid), ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6);
      } catch {
        // the thread ended between the listing and the read
      }
    }
    return out;
  }

  /**
   * How long thread `tid` of the server has been runnable but waiting for a CPU, µs (the
   * scheduler's run-queue wait, /proc/<pid>/task/<tid>/schedstat, see the kernel's
   * Documentation/scheduler/sched-stats.rst); NaN when the kernel does not say.
   */
  runqueueWaitMicros(tid: number): number {
    return this.schedstat(tid)[1] / 1000;
  }

  /** How many times thread `tid` of the server was put on a CPU so far (each wake-up is one; NaN: unknown). */
  timeslices(tid: number): number {
    return this.schedstat(tid)[2];
  }

  /** `/proc/<pid>/task/<tid>/schedstat`: ns on a CPU, ns waiting for one, timeslices (NaN when unreadable). */
  private schedstat(tid: number): [number, number, number] {
    try {
      const fields = readFileSync(`/proc/${this.child.pid}/task/${tid}/schedstat`, "utf8").trim().split(" ").map(Number);
      return [fields[0] ?? NaN, fields[1] ?? NaN, fields[2] ?? NaN];
    } catch {
      return [NaN, NaN, NaN];
    }
  }

  /**
   * With `CONFAB_BENCH_PERF=<file>`, records the server with `perf record -g` (all its threads)
   * until the returned function is called — for a measurement window only, so set-up and
   * shutdown stay out of the profile. Without it (or without perf) the function does nothing.
   */
  perfRecord(): () => Promise<void> {
    const file = process.env.CONFAB_BENCH_PERF;
    if (!file) return async () => {};
    const perf = spawn("perf", ["record", "-e", "cpu-clock", "-F", "999", "-g", "-p", String(this.child.pid), "-o", file], { stdio: "ignore" });
    perf.on("error", () => undefined);
    return async () => {
      if (perf.exitCode !== null || perf.pid === undefined) return;
      const exited = new Promise((resolve) => perf.once("exit", resolve));
      perf.kill("SIGINT");
      await exited;
    };
  }

  /**
   * The server's Prometheus counters and gauges (`GET /metrics`), by name; a labelled one by its
   * name and labels as written, e.g. `confab_sfu_worker_memory_bytes{worker="0",kind="heap_used"}`.
   */
  async metrics(): Promise<Record<string, number>> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    const out: Record<string, number> = {};
    for (const match of text.matchAll(/^(confab_[a-z0-9_]+(?:\{[^}\n]*\})?) ([0-9.e+-]+)$/gm)) out[match[1]!] = Number(match[2]);
    return out;
  }

  /** The per-packet path the server uses (`confab_fastpath_info{path}` in /metrics): native, js or unknown. */
  async fastpath(): Promise<string> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    return /^confab_fastpath_info\{path="(\w+)"\} 1$/m.exec(text)?.[1] ?? "unknown";
  }

  /** How the server carries media UDP (`confab_media_udp_sockets_info{mode}`): shared, connection or unknown. */
  async udpSockets(): Promise<string> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    return /^confab_media_udp_sockets_info\{mode="(\w+)"\} 1$/m.exec(text)?.[1] ?? "unknown";
  }

  /**
   * Stops the server (SIGTERM, which starts its graceful drain, then SIGKILL after 3 s);
   * `crash` kills it at once.
   */
  async stop(crash = false): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.kill(crash ? "SIGKILL" : "SIGTERM");
    // A profiled server writes its CPU profiles while it exits: give it the time to.
    const timer = setTimeout(() => this.child.kill("SIGKILL"), process.env.CONFAB_BENCH_PROFILE ? 30_000 : 3000);
    await exited;
    clearTimeout(timer);
  }
}
