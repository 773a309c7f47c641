#!/usr/bin/env node
/**
 * `npm run bench`: runs the media benchmarks and prints a table; `--scenario <name>` runs
 * one, `--json` makes the last line of output one JSON object (tools parse it).
 * `--paths js,native` runs each scenario once per per-packet path (the server's `FASTPATH`),
 * alternating, and `--rounds <n>` repeats that n times (`--scenario` may name several, comma separated): the two paths side by side under the
 * same conditions (a run that fails is reported as `failed` and the others go on).
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { DEFAULT_UDP_BUFFER_BYTES, probeUdpBufferSizes, udpBufferCapMessage } from "@confab/server";
import { fanout } from "./fanout.js";
import { floor } from "./floor.js";
import { isolateLoad } from "./isolate.js";
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
  ...([10, 30] as const).flatMap((receivers) =>
    (["per-destination", "shared"] as const).map((sockets) => {
      const name = `floor-${receivers}${sockets === "shared" ? "-shared" : ""}`;
      return {
        name,
        description: `the kernel's floor under fanout-${receivers}: the same traffic through a C relay that only receives and sends (sendmmsg, ${sockets === "shared" ? "one socket for every receiver, as RTC_UDP_PORT" : "a socket per receiver, as a socket per peer connection"}); its CPU per forwarded packet`,
        run: () => floor({ scenario: name, receivers, pps: 1000, measureSeconds: seconds, sockets, relay: "c" }),
      };
    }),
  ),
  ...([10, 30] as const).map((receivers) => ({
    name: `floor-node-${receivers}`,
    description: `Node's floor under fanout-${receivers}: the same traffic through a Node relay (dgram callback per datagram, the addon's AES-GCM seal per receiver, one sendBatch per turn from setImmediate, a socket per receiver) and nothing else of an SFU; its CPU per forwarded packet`,
    run: () => floor({ scenario: `floor-node-${receivers}`, receivers, pps: 1000, measureSeconds: seconds, sockets: "per-destination" as const, relay: "node" as const }),
  })),
  {
    name: "join-latency",
    description: "Chromium: click Join → first remote video frame presented (p50 over 7 joins)",
    run: () => joinLatency(7),
  },
];

const FAST_PATHS = ["js", "native"] as const;

interface Args {
  scenario: string | undefined;
  json: boolean;
  /** Per-packet paths to alternate (undefined: the server's own FASTPATH, one run each). */
  paths: string[] | undefined;
  rounds: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { scenario: undefined, json: false, paths: undefined, rounds: 1 };
  const usage = `use --scenario <${scenarios.map((s) => s.name).join("|")}> [--paths js,native] [--rounds <n>] [--json]`;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.startsWith("--") && argv[i]!.includes("=") ? argv[i]!.split("=", 2) : [argv[i], undefined];
    const value = () => inline ?? argv[++i];
    if (flag === "--json") args.json = true;
    else if (flag === "--scenario") args.scenario = value();
    else if (flag === "--paths") {
      args.paths = (value() ?? "").split(",");
      if (args.paths.some((p) => !(FAST_PATHS as readonly string[]).includes(p))) throw new Error(`--paths takes ${FAST_PATHS.join(",")}; ${usage}`);
    } else if (flag === "--rounds") {
      args.rounds = Number(value());
      if (!Number.isInteger(args.rounds) || args.rounds < 1 || args.rounds > 20) throw new Error(`--rounds takes 1 to 20; ${usage}`);
    } else throw new Error(`unknown argument ${argv[i]}; ${usage}`);
  }
  return args;
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
  const { scenario, json, paths, rounds } = parseArgs(process.argv.slice(2));
  ensureFixtures();
  const isolated = isolateLoad();
  if (isolated !== undefined) console.error(`bench: the server runs on CPU ${isolated} only, the bench and its bots on the others (CONFAB_BENCH_ISOLATE)`);
  // --scenario takes one name or several, comma separated (run in the order given).
  const names = scenario?.split(",");
  const unknown = names?.find((n) => !scenarios.some((s) => s.name === n));
  if (unknown !== undefined) throw new Error(`no scenario ${unknown}; known: ${scenarios.map((s) => s.name).join(", ")}`);
  const chosen = names ? names.map((n) => scenarios.find((s) => s.name === n)!) : scenarios;
  const results: ScenarioResult[] = [];
  // The server and the bots ask for this much; the kernel's cap (net.core.rmem_max) decides.
  const granted = await probeUdpBufferSizes(DEFAULT_UDP_BUFFER_BYTES);
  const problem = udpBufferCapMessage(DEFAULT_UDP_BUFFER_BYTES, granted);
  if (problem) console.error(`bench: ${problem}`);
  const withBuffers = (s: Scenario, result: ScenarioResult): ScenarioResult =>
    s.name === "join-latency" ? result : { ...result, udpRecvBufferBytes: granted.receive, ...(isolated === undefined ? {} : { serverCpus: isolated }) };
  if (!paths) {
    for (const s of chosen) {
      console.error(`bench: ${s.name}: ${s.description}`);
      results.push(withBuffers(s, await s.run()));
    }
  } else {
    // Servers are started by the scenarios with this process's environment: FASTPATH per run.
    for (let round = 1; round <= rounds; round++) {
      for (const s of chosen) {
        for (const path of paths) {
          process.env.FASTPATH = path;
          console.error(`bench: round ${round}/${rounds}, ${s.name}, FASTPATH=${path}: ${s.description}`);
          try {
            results.push({ ...withBuffers(s, await s.run()), round, requestedPath: path });
          } catch (error) {
            const failed = error instanceof Error ? error.message : String(error);
            console.error(`bench: ${s.name} (FASTPATH=${path}) failed: ${failed}`);
            results.push({ scenario: s.name, round, requestedPath: path, failed });
          }
        }
      }
    }
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
