import fc from "fast-check";

/**
 * One parser under fuzzing: how its inputs are made (random and mutated real ones) and the
 * properties every input must keep. `check` throws (an assertion) when a property fails; the
 * harness adds the time bound.
 */
export interface FuzzTarget<T = unknown> {
  /** Short stable name (`npm run fuzz -- --only <name>`). */
  readonly name: string;
  /** What is parsed, for the report. */
  readonly parses: string;
  readonly arbitrary: fc.Arbitrary<T>;
  check(input: T): void;
}

/** Declares a target (erases its input type for lists of targets). */
export function fuzzTarget<T>(target: FuzzTarget<T>): FuzzTarget {
  return target as unknown as FuzzTarget;
}

export interface FuzzRunOptions {
  /** Inputs to try (default: until `timeLimitMs`, else 100). */
  numRuns?: number;
  /** Stop after this long (ms). */
  timeLimitMs?: number;
  seed?: number;
  /**
   * Most time one input may take (ms). An input over it is run twice more and fails only if
   * every run is over it, so a preempted process on a busy machine is not a finding.
   */
  inputTimeLimitMs?: number;
  /** Called every 1 000 inputs with the number tried so far. */
  onProgress?: (runs: number) => void;
}

export interface FuzzRunResult {
  target: string;
  seed: number;
  /** Inputs tried (shrinking not counted). */
  runs: number;
  /** The shrunk input that broke a property, as text (strings as is, bytes as hex). */
  counterexample?: string;
  /** What broke. */
  error?: string;
  /** The slowest input, ms. */
  slowestMs: number;
}

/** Renders an input for a report or a counterexample file: bytes as hex, long strings whole. */
export function describeInput(input: unknown): string {
  return JSON.stringify(input, (_key, value: unknown) => {
    if (value instanceof Uint8Array) return `hex:${Buffer.from(value).toString("hex")}`;
    if (value && typeof value === "object" && (value as { type?: unknown }).type === "Buffer" && Array.isArray((value as { data?: unknown }).data)) {
      return `hex:${Buffer.from((value as { data: number[] }).data).toString("hex")}`;
    }
    return value;
  });
}

/** Runs one target's property under fast-check; returns what was tried and any failure (shrunk). */
export function runFuzzTarget(target: FuzzTarget, options: FuzzRunOptions = {}): FuzzRunResult {
  const seed = options.seed ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  const limit = options.inputTimeLimitMs ?? 2_000;
  let runs = 0;
  let slowestMs = 0;
  const timed = (input: unknown): number => {
    const started = performance.now();
    target.check(input);
    return performance.now() - started;
  };
  const property = fc.property(target.arbitrary, (input) => {
    let ms = timed(input);
    if (ms > limit) ms = Math.min(ms, timed(input), timed(input));
    if (ms > slowestMs) slowestMs = ms;
    if (ms > limit) throw new Error(`one input took ${ms.toFixed(0)} ms (bound ${limit} ms)`);
    if (++runs % 1000 === 0) options.onProgress?.(runs);
  });
  const numRuns = options.numRuns ?? (options.timeLimitMs !== undefined ? Number.MAX_SAFE_INTEGER : 100);
  const details = fc.check(property, {
    seed,
    numRuns,
    ...(options.timeLimitMs !== undefined ? { interruptAfterTimeLimit: options.timeLimitMs, markInterruptAsFailure: false } : {}),
  });
  const result: FuzzRunResult = { target: target.name, seed, runs: details.numRuns, slowestMs };
  if (details.failed) {
    result.counterexample = describeInput(details.counterexample?.[0]);
    const error = details.errorInstance;
    result.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  return result;
}
