import { describe, expect, it } from "vitest";
import { FUZZ_TARGETS, runFuzzTarget } from "./index.js";

/*
 * A short run of every fuzz target (a fixed seed, so a failure repeats); `npm run fuzz` runs
 * them for minutes or a million inputs each.
 */
describe("fuzzing the parsers of untrusted input (short run)", () => {
  it.each(FUZZ_TARGETS.map((t) => [t.name, t] as const))("%s: random and mutated inputs keep every property", (_name, target) => {
    const result = runFuzzTarget(target, { numRuns: 200, seed: 13 });
    expect(result.error, `counterexample: ${result.counterexample?.slice(0, 2000)}`).toBeUndefined();
    expect(result.runs).toBe(200);
  });
});
