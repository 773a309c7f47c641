import { parseArgs } from "node:util";
import { FUZZ_TARGETS } from "@confab/server/fuzz";
import { killServersOnInterrupt } from "../bench/server-process.js";
import { fuzzParser, type ParserFuzzResult } from "./parsers.js";
import { fuzzSignalingAgainstServer, type SignalingFuzzResult } from "./signaling.js";

/*
 * npm run fuzz -- [--minutes N] [--runs N] [--only name,…] [--signaling] [--seed S]
 *                 [--input-ms MS] [--out DIR]
 *
 * Fuzzes every parser of untrusted input (the targets of @confab/server/fuzz) for a share of
 * the time budget or a number of inputs each, then, with --signaling, a real server with
 * mutated signaling sessions. Prints per target the inputs tried and the failures found (each
 * shrunk and saved under DIR, default ./fuzz-findings); exits 1 when anything failed.
 */
const { values } = parseArgs({
  options: {
    minutes: { type: "string" },
    runs: { type: "string" },
    only: { type: "string" },
    signaling: { type: "boolean", default: false },
    seed: { type: "string" },
    "input-ms": { type: "string", default: "1000" },
    "hang-s": { type: "string", default: "120" },
    out: { type: "string", default: "fuzz-findings" },
  },
});

const only = values.only?.split(",").filter(Boolean);
const targets = FUZZ_TARGETS.filter((t) => !only || only.includes(t.name));
const withSignaling = values.signaling || (only?.includes("signaling") ?? false);
const jobs = targets.length + (withSignaling ? 1 : 0);
if (jobs === 0) {
  console.error(`nothing to fuzz; targets: ${FUZZ_TARGETS.map((t) => t.name).join(", ")}, signaling`);
  process.exit(2);
}
const runs = values.runs !== undefined ? Number(values.runs) : Number.MAX_SAFE_INTEGER;
const minutes = values.minutes !== undefined ? Number(values.minutes) : values.runs !== undefined ? Infinity : 1;
const shareMs = (minutes * 60_000) / jobs;
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() | 0;

const fmt = (n: number) => n.toLocaleString("en-US").replace(/,/g, " ");
const duration = (ms: number) => (ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60_000).toFixed(1)} min`);

console.log(`fuzzing ${targets.map((t) => t.name).join(", ")}${withSignaling ? ", signaling" : ""}; ${Number.isFinite(minutes) ? `${minutes} min in all` : "no time limit"}${values.runs ? `, at most ${fmt(runs)} inputs each` : ""}; seed ${seed}`);
killServersOnInterrupt();
const results: ParserFuzzResult[] = [];
for (const target of targets) {
  let lastPrint = Date.now();
  const result = await fuzzParser({
    target: target.name,
    runs,
    timeLimitMs: Number.isFinite(shareMs) ? shareMs : Number.MAX_SAFE_INTEGER,
    seed,
    inputMs: Number(values["input-ms"]),
    hangMs: Number(values["hang-s"]) * 1000,
    outDir: values.out,
    onProgress: (n) => {
      if (Date.now() - lastPrint < 60_000) return;
      lastPrint = Date.now();
      console.log(`  ${target.name}: ${fmt(n)} inputs…`);
    },
  });
  results.push(result);
  console.log(`${target.name.padEnd(16)} ${fmt(result.runs).padStart(11)} inputs  ${String(result.failures.length).padStart(2)} failures  slowest ${result.slowestMs.toFixed(1)} ms  ${duration(result.elapsedMs)}  (${target.parses})`);
  for (const f of result.failures) console.log(`    ${f.error.split("\n")[0]!.slice(0, 300)} → ${f.file}`);
}

let signaling: SignalingFuzzResult | undefined;
if (withSignaling) {
  signaling = await fuzzSignalingAgainstServer({ timeLimitMs: Number.isFinite(shareMs) ? shareMs : 60_000, seed, outDir: values.out, log: (line) => console.log(line) });
}

const failed = results.some((r) => r.failures.length > 0) || (signaling !== undefined && !signaling.ok);
console.log(JSON.stringify({ seed, parsers: results.map((r) => ({ target: r.target, runs: r.runs, failures: r.failures.length, slowestMs: Math.round(r.slowestMs * 10) / 10 })), signaling }));
process.exit(failed ? 1 : 0);
