/**
 * `CONFAB_BENCH_ISOLATE=<cpu list>` (e.g. `1`, `2-3`, `0,2`): the server under test runs on
 * those CPUs only (`taskset -c`), and the bench with its bots, probe and capture on all the
 * others, as a server would run with its clients on other machines. Without it everything
 * shares every CPU, as in the comparison with Janus. It measures the server without
 * what its load generator costs it (preemptions, cold caches, waits for a CPU): see
 * docs/decisions/0016. Results taken this way carry `serverCpus`.
 */
import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";

/** The CPUs of a `taskset`-style list ("0", "1-3", "0,2-3"), ascending; throws on anything else. */
export function parseCpuList(text: string): number[] {
  if (!/^\d{1,4}(-\d{1,4})?(,\d{1,4}(-\d{1,4})?)*$/.test(text)) {
    throw new Error(`CONFAB_BENCH_ISOLATE takes a CPU list such as 1, 2-3 or 0,2 (got ${JSON.stringify(text)})`);
  }
  const cpus = new Set<number>();
  for (const part of text.split(",")) {
    const [from, to = from] = part.split("-").map(Number) as [number, number?];
    if (to < from) throw new Error(`CONFAB_BENCH_ISOLATE: ${part} is not an ascending range`);
    for (let cpu = from; cpu <= to; cpu++) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** Which CPUs the server gets and which are left for the load, for a machine of `cpuCount` CPUs. */
export function splitCpus(text: string, cpuCount: number): { server: string; load: string } {
  const server = parseCpuList(text);
  const beyond = server.find((cpu) => cpu >= cpuCount);
  if (beyond !== undefined) throw new Error(`CONFAB_BENCH_ISOLATE: CPU ${beyond} does not exist here (CPUs 0-${cpuCount - 1})`);
  const load: number[] = [];
  for (let cpu = 0; cpu < cpuCount; cpu++) if (!server.includes(cpu)) load.push(cpu);
  if (load.length === 0) throw new Error(`CONFAB_BENCH_ISOLATE: ${text} leaves no CPU for the bots`);
  return { server: server.join(","), load: load.join(",") };
}

let split: { text: string; server: string; load: string } | undefined;

/**
 * The split for this process's `CONFAB_BENCH_ISOLATE` (undefined without it), worked out once:
 * after {@link isolateLoad} this process sees only the load's CPUs.
 */
function currentSplit(): { server: string; load: string } | undefined {
  const text = process.env.CONFAB_BENCH_ISOLATE;
  if (!text) return undefined;
  if (split?.text !== text) split = { text, ...splitCpus(text, availableParallelism()) };
  return split;
}

/**
 * Moves this process (every thread; children started later inherit it) off the server's CPUs
 * when isolation was asked for. Returns the server's CPU list, or undefined without isolation.
 */
export function isolateLoad(): string | undefined {
  const cpus = currentSplit();
  if (!cpus) return undefined;
  try {
    execFileSync("taskset", ["-a", "-p", "-c", cpus.load, String(process.pid)], { stdio: "ignore" });
  } catch (error) {
    throw new Error(`CONFAB_BENCH_ISOLATE needs taskset (Debian: util-linux): ${error instanceof Error ? error.message : String(error)}`);
  }
  return cpus.server;
}

/** The command prefix that starts the server on its CPUs (empty without isolation). */
export function serverPrefix(): string[] {
  const cpus = currentSplit()?.server;
  return cpus === undefined ? [] : ["taskset", "-c", cpus];
}
