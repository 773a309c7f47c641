#!/usr/bin/env node
/**
 * `npm run bench`: runs the media benchmarks and prints a table; `--scenario <name>` runs
 * one, `--json` makes the last line of output one JSON object (tools parse it).
 */
import { fanout } from "./fanout.js";
import { joinLatency } from "./join-latency.js";
import type { Scenario, ScenarioResult } from "./scenario.js";

/** Measurement window, s (`CONFAB_BENCH_SECONDS`; tests shorten it). */
const seconds = Number(process.env.CONFAB_BENCH_SECONDS ?? 10);

const scenarios: Scenario[] = [
  {
    name: "fanout-10",
    description: "1 publisher bot → 10 subscriber bots, 1000 video packets/s; server CPU per forwarded packet",
    run: () => fanout(10, 1000, seconds),
  },
  {
    name: "fanout-30",
    description: "1 publisher bot → 30 subscriber bots, 1000 video packets/s (the 30 receivers share the bench process)",
    run: () => fanout(30, 1000, seconds),
  },
  {
    name: "join-latency",
    description: "Chromium: click Join → first remote video frame presented (p50 over 7 joins)",
    run: () => joinLatency(7),
  },
];

function parseArgs(argv: string[]): { scenario: string | undefined; json: boolean } {
  let scenario: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--json") json = true;
    else if (argv[i] === "--scenario") scenario = argv[++i];
    else if (argv[i]?.startsWith("--scenario=")) scenario = argv[i]!.slice("--scenario=".length);
    else throw new Error(`unknown argument ${argv[i]}; use --scenario <${scenarios.map((s) => s.name).join("|")}> [--json]`);
  }
  return { scenario, json };
}

function table(results: ScenarioResult[]): string {
  const lines = ["| scenario | figures |", "| --- | --- |"];
  for (const r of results) {
    const figures = Object.entries(r)
      .filter(([k]) => k !== "scenario")
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    lines.push(`| ${r.scenario} | ${figures} |`);
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const { scenario, json } = parseArgs(process.argv.slice(2));
  const chosen = scenario ? scenarios.filter((s) => s.name === scenario) : scenarios;
  if (chosen.length === 0) throw new Error(`no scenario ${scenario}; known: ${scenarios.map((s) => s.name).join(", ")}`);
  const results: ScenarioResult[] = [];
  for (const s of chosen) {
    console.error(`bench: ${s.name}: ${s.description}`);
    results.push(await s.run());
  }
  console.log(table(results));
  if (json) console.log(JSON.stringify(results.length === 1 ? results[0] : { scenarios: results }));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
