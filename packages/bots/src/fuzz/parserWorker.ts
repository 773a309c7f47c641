import { parentPort, workerData } from "node:worker_threads";
import fc from "fast-check";
import { FUZZ_TARGETS, describeInput, runFuzzTarget } from "@confab/server/fuzz";

/** What the parser fuzzer asks of one worker thread. */
export type ParserJob =
  | { mode: "run"; target: string; runs: number; timeLimitMs: number; seed: number; inputMs: number; maxFailures: number }
  | { mode: "replay"; target: string; seed: number; from: number };

/** What a worker tells the parser fuzzer. */
export type ParserReport =
  | { t: "seed"; seed: number; base: number }
  | { t: "progress"; runs: number }
  | { t: "failure"; seed: number; counterexample: string; error: string }
  | { t: "input"; index: number; text: string }
  | { t: "done"; runs: number; slowestMs: number };

const job = workerData as ParserJob;
const post = (report: ParserReport) => parentPort!.postMessage(report);
const target = FUZZ_TARGETS.find((t) => t.name === job.target);
if (!target) throw new Error(`no fuzz target ${job.target}`);

if (job.mode === "run") {
  // Runs the property until the budget is spent; after a failure, goes on with the next seed.
  const deadline = Date.now() + job.timeLimitMs;
  let runs = 0;
  let failures = 0;
  let slowestMs = 0;
  let seed = job.seed;
  while (runs < job.runs && Date.now() < deadline && failures < job.maxFailures) {
    post({ t: "seed", seed, base: runs });
    const base = runs;
    const result = runFuzzTarget(target, {
      numRuns: job.runs - runs,
      timeLimitMs: deadline - Date.now(),
      seed,
      inputTimeLimitMs: job.inputMs,
      onProgress: (n) => post({ t: "progress", runs: base + n }),
    });
    runs += result.runs;
    slowestMs = Math.max(slowestMs, result.slowestMs);
    if (result.error === undefined) break;
    failures++;
    post({ t: "failure", seed, counterexample: result.counterexample ?? "", error: result.error });
    seed = (seed + 1) | 0;
  }
  post({ t: "done", runs, slowestMs });
} else {
  // Generates the same inputs again (fast-check's are a function of the seed and the index)
  // and names each before checking it, so the one that never returns is known.
  let index = 0;
  fc.check(
    fc.property(target.arbitrary, (input) => {
      // Regenerating the inputs before the hang takes time too: say so, or the watchdog fires.
      if (++index <= job.from) {
        if (index % 1000 === 0) post({ t: "progress", runs: index });
        return;
      }
      post({ t: "input", index, text: describeInput(input) });
      target.check(input);
    }),
    { seed: job.seed, numRuns: Number.MAX_SAFE_INTEGER },
  );
}
