import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { ParserJob, ParserReport } from "./parserWorker.js";

const WORKER = new URL("./parserWorker.js", import.meta.url);

export interface ParserFuzzOptions {
  target: string;
  /** Inputs to try (at most). */
  runs: number;
  /** Time to spend (at most), ms. */
  timeLimitMs: number;
  seed: number;
  /** The bound on one input's time, ms. */
  inputMs: number;
  /** No word from the worker for this long is a hang (an input that never returns), ms. */
  hangMs: number;
  /** Where counterexamples are saved. */
  outDir: string;
  /** Distinct failures to collect before stopping. */
  maxFailures?: number;
  onProgress?: (runs: number) => void;
}

export interface ParserFuzzResult {
  target: string;
  runs: number;
  failures: { error: string; file: string }[];
  slowestMs: number;
  elapsedMs: number;
}

/** Runs `job` in a worker; `onReport` sees every report; resolves with whether it hung (no word for `hangMs`). */
function runWorker(job: ParserJob, hangMs: number, onReport: (r: ParserReport) => void): Promise<{ hung: boolean; error?: string }> {
  return new Promise((resolve) => {
    const worker = new Worker(WORKER, { workerData: job });
    let timer: NodeJS.Timeout;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        void worker.terminate();
        resolve({ hung: true });
      }, hangMs);
    };
    arm();
    worker.on("message", (r: ParserReport) => {
      arm();
      onReport(r);
    });
    worker.on("error", (error) => {
      clearTimeout(timer);
      resolve({ hung: false, error: `${error.name}: ${error.message}` });
    });
    worker.on("exit", () => {
      clearTimeout(timer);
      resolve({ hung: false });
    });
  });
}

/**
 * Fuzzes one parser target in a worker thread for a budget of inputs or time. A failing
 * property is shrunk and saved (`<outDir>/<target>-<seed>.txt`), and the run goes on with the
 * next seed; an input that never returns (no progress for `hangMs`) is found again by a replay
 * worker and saved the same way.
 */
export async function fuzzParser(options: ParserFuzzOptions): Promise<ParserFuzzResult> {
  const started = Date.now();
  const result: ParserFuzzResult = { target: options.target, runs: 0, failures: [], slowestMs: 0, elapsedMs: 0 };
  const save = (seed: number, error: string, counterexample: string) => {
    mkdirSync(options.outDir, { recursive: true });
    const file = join(options.outDir, `${options.target}-${seed >>> 0}.txt`);
    writeFileSync(file, `${error}\nseed ${seed}\n${counterexample}\n`);
    result.failures.push({ error, file });
  };
  let seed = options.seed;
  const maxFailures = options.maxFailures ?? 5;
  while (result.runs < options.runs && Date.now() - started < options.timeLimitMs && result.failures.length < maxFailures) {
    let seedBase = result.runs;
    let current = { seed, base: result.runs, runs: 0 };
    const done = result.runs;
    const outcome = await runWorker(
      { mode: "run", target: options.target, runs: options.runs - done, timeLimitMs: options.timeLimitMs - (Date.now() - started), seed, inputMs: options.inputMs, maxFailures: maxFailures - result.failures.length },
      options.hangMs,
      (r) => {
        if (r.t === "seed") {
          seedBase = done + r.base;
          current = { seed: r.seed, base: seedBase, runs: 0 };
        } else if (r.t === "progress") {
          current.runs = done + r.runs - current.base;
          options.onProgress?.(done + r.runs);
        } else if (r.t === "failure") save(r.seed, r.error, r.counterexample);
        else if (r.t === "done") {
          result.runs = done + r.runs;
          result.slowestMs = Math.max(result.slowestMs, r.slowestMs);
        }
      },
    );
    if (outcome.error) {
      save(current.seed, `the worker died: ${outcome.error}`, "");
      result.runs = current.base + current.runs;
      seed = (current.seed + 1) | 0;
      continue;
    }
    if (!outcome.hung) break;
    // Find the input that hung: replay from the last progress mark of its seed.
    result.runs = current.base + current.runs;
    let last: { index: number; text: string } | undefined;
    await runWorker({ mode: "replay", target: options.target, seed: current.seed, from: current.runs }, options.hangMs, (r) => {
      if (r.t === "input") last = r;
    });
    save(current.seed, `an input ran for more than ${options.hangMs} ms (input ${last?.index ?? "?"} of seed ${current.seed})`, last?.text ?? "(not found again)");
    seed = (current.seed + 1) | 0;
  }
  result.elapsedMs = Date.now() - started;
  return result;
}
