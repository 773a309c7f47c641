#!/usr/bin/env node
/**
 * `npm run bench`: runs the media benchmarks and prints a table; `--scenario <name>` runs
 * one, `--json` makes the last line of output one JSON object (tools parse it).
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { DEFAULT_UDP_BUFFER_BYTES, probeUdpBufferSizes, udpBufferCapMessage } from "@confab/server";
import { fanout } from "./fanout.js";
import { joinLatency } from "./join-latency.js";
import { roomsScenario } from "./rooms.js";
import type { Scenario, ScenarioResult } from "./scenario.js";

/** Measurement window, s (`CONFAB_BENCH_SECONDS`; tests shorten it). */
const seconds = Number(process.env.CONFAB_BENCH_SECONDS ?? 10);

const scenarios: Scenario[] = [
  {
    name: "fanout-10",
    description: "1 publisher bot → 10 subscriber bots (all decrypt), 1000 video packets/s, one SFU worker; server CPU per forwarded packet",
    run: () => fanout({ scenario: "fanout-10", subscribers: 10, pps: 1000, measureSeconds: seconds, workers: 1 }),
  },
  {
    name: "fanout-30",
    description:
      "1 publisher bot → 30 subscriber bots, 1000 video packets/s, one SFU worker; the first subscriber decrypts and checks, 29 count headers (30 decrypting bots saturate the bench process first)",
    run: () => fanout({ scenario: "fanout-30", subscribers: 30, pps: 1000, measureSeconds: seconds, workers: 1, countOnly: true }),
  },
  {
    name: "rooms-2x10",
    description:
      "2 rooms × 10 bots, each publishing simulcast 180p/360p/720p + Opus and viewing the others as 360p tiles; the first bot of each room decrypts and checks, 9 count headers",
    run: () => roomsScenario({ scenario: "rooms-2x10", rooms: 2, perRoom: 10, measureSeconds: seconds, countOnly: true }),
  },
  {
    name: "workers-1",
    description:
      "2 rooms × (1 publisher → 25 subscribers, 1000 video packets/s) on 1 SFU worker thread; one subscriber per room decrypts, the rest count headers",
    run: () => fanout({ scenario: "workers-1", rooms: 2, subscribers: 25, pps: 1000, measureSeconds: seconds, workers: 1, countOnly: true }),
  },
  {
    name: "workers-2",
    description: "the same load as workers-1 on 2 SFU worker threads (one room each)",
    run: () => fanout({ scenario: "workers-2", rooms: 2, subscribers: 25, pps: 1000, measureSeconds: seconds, workers: 2, countOnly: true }),
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

/** Makes the bots' media files if they are missing (Debian's ffmpeg). */
function ensureFixtures(): void {
  const script = fileURLToPath(new URL("../../../../scripts/media-fixtures.mjs", import.meta.url));
  execFileSync(process.execPath, [script], { stdio: ["ignore", "ignore", "inherit"] });
}

async function main(): Promise<void> {
  const { scenario, json } = parseArgs(process.argv.slice(2));
  ensureFixtures();
  const chosen = scenario ? scenarios.filter((s) => s.name === scenario) : scenarios;
  if (chosen.length === 0) throw new Error(`no scenario ${scenario}; known: ${scenarios.map((s) => s.name).join(", ")}`);
  const results: ScenarioResult[] = [];
  // The server and the bots ask for this much; the kernel's cap (net.core.rmem_max) decides.
  const granted = await probeUdpBufferSizes(DEFAULT_UDP_BUFFER_BYTES);
  const problem = udpBufferCapMessage(DEFAULT_UDP_BUFFER_BYTES, granted);
  if (problem) console.error(`bench: ${problem}`);
  for (const s of chosen) {
    console.error(`bench: ${s.name}: ${s.description}`);
    const result = await s.run();
    results.push(s.name === "join-latency" ? result : { ...result, udpRecvBufferBytes: granted.receive });
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
