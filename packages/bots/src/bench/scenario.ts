/** One benchmark's figures; `scenario` names it, the rest are numbers for the table/JSON. */
/**
 * How long set-up may take (server start, joins, first video), seconds: `CONFAB_BENCH_SETUP_SECONDS`,
 * or `fallback`. A machine shared with other work may need more than the defaults.
 */
export function setupSeconds(fallback: number): number {
  const value = Number(process.env.CONFAB_BENCH_SETUP_SECONDS);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/**
 * How long the load runs before the window opens, seconds (`CONFAB_BENCH_WARMUP_SECONDS`,
 * default 30): the window measures a steady state, not the joins' JIT compilation and GC.
 * After 10 s V8's compiler threads were still optimizing the functions that run per RTCP
 * packet or per timer (~1 µs per forwarded packet at `fanout-10`, 0.2 after 30 s).
 */
export function warmupSeconds(): number {
  const value = Number(process.env.CONFAB_BENCH_WARMUP_SECONDS);
  return Number.isFinite(value) && value >= 0 ? value : 30;
}

export type ScenarioResult = { scenario: string } & Record<string, number | string>;

/** A named benchmark. */
export interface Scenario {
  name: string;
  description: string;
  run(): Promise<ScenarioResult>;
}
