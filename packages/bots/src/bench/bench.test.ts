import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadNative } from "@confab/native";
import { cpuSplit } from "./server-process.js";

function hasCompiler(): boolean {
  try {
    execFileSync("cc", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const MAIN = fileURLToPath(new URL("../../dist/bench/main.js", import.meta.url));

/** Runs one scenario with a 2 s window after a 1 s warm-up: its printed table and its JSON line. */
function runBench(scenario: string, timeout: number): { out: string; result: Record<string, unknown> } {
  const out = execFileSync(process.execPath, [MAIN, "--scenario", scenario, "--json"], {
    encoding: "utf8",
    env: { ...process.env, CONFAB_BENCH_SECONDS: "2", CONFAB_BENCH_WARMUP_SECONDS: "1" },
    stdio: ["ignore", "pipe", "ignore"],
    timeout,
  });
  return { out, result: JSON.parse(out.trim().split("\n").at(-1)!) as Record<string, unknown> };
}

describe("npm run bench", () => {
  it("prints the fanout-10 figures as one JSON object on its last line", () => {
    const { out, result } = runBench("fanout-10", 90_000);
    expect(result.scenario).toBe("fanout-10");
    for (const key of ["usPerFwdPkt", "deliveredPct", "outPps", "cpuPct", "usMainThread", "usBusiestThread", "usOtherThreads"]) {
      expect(typeof result[key], key).toBe("number");
    }
    // The SFU worker forwarded the stream: its thread used CPU.
    expect(result.usBusiestThread as number).toBeGreaterThan(0);
    // Behaviour, not speed: the subscribers really received the stream in the window. Not a
    // share of it: the window is 2 s, and a machine busy with other work (4 builds at once
    // once left 4.5 %) can starve the SFU or the bots for most of it; the bench reports how much.
    expect(result.deliveredPct as number).toBeGreaterThan(0);
    expect(result.usPerFwdPkt as number).toBeGreaterThan(0);
    // What the kernel granted the UDP buffers the bots and the server asked for.
    expect(result.udpRecvBufferBytes as number).toBeGreaterThan(0);
    // The server's default (docs/decisions/0012): every connection of a worker on its one socket.
    expect(result.udpSockets).toBe("shared");
    expect(out).toContain("| fanout-10 |");
  });

  // The floor's relay is compiled with the system's C compiler (a machine without one runs the rest).
  it.skipIf(!hasCompiler())("measures the kernel's floor: a C relay forwards the fan-out's traffic to every receiver", () => {
    const { result } = runBench("floor-10-shared", 60_000);
    expect(result).toMatchObject({ scenario: "floor-10-shared", receivers: 10, sockets: "shared" });
    // Packets of the window reached the receivers, and never more than were sent to them.
    expect(result.deliveredPct as number).toBeGreaterThan(0);
    expect(result.deliveredPct as number).toBeLessThanOrEqual(100);
    expect(result.usPerFwdPkt as number).toBeGreaterThan(0);
  });

  it.skipIf(!loadNative().addon)("measures Node's floor: a Node relay seals the fan-out for every receiver and sends it in batches", () => {
    const { result } = runBench("floor-node-10", 60_000);
    expect(result).toMatchObject({ scenario: "floor-node-10", receivers: 10, sockets: "per-destination", relay: "node" });
    expect(result.deliveredPct as number).toBeGreaterThan(0);
    expect(result.deliveredPct as number).toBeLessThanOrEqual(100);
    expect(result.usPerFwdPkt as number).toBeGreaterThan(0);
  });

  it("splits a server's CPU time into its main thread, its busiest other thread and the rest", () => {
    const before = new Map([
      [100, 1_000],
      [101, 50],
      [102, 7_000],
    ]);
    // Thread 103 started inside the window; 101 ended (its time is gone from the second reading).
    const after = new Map([
      [100, 1_400],
      [102, 9_500],
      [103, 300],
    ]);
    expect(cpuSplit(100, before, after)).toEqual({ main: 400, busiest: 2_500, rest: 300 });
  });

  it("refuses an unknown scenario with a clear message", () => {
    let message = "";
    try {
      execFileSync(process.execPath, [MAIN, "--scenario", "nope"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      message = String((error as { stderr: string }).stderr);
    }
    expect(message).toMatch(/no scenario nope; known: fanout-10, fanout-30, rooms-2x10, workers-1, workers-2, floor-10, floor-10-shared, floor-30, floor-30-shared, floor-node-10, floor-node-30, join-latency/);
  });

  it("refuses a per-packet path other than js or native, and a round count out of range, before starting anything", () => {
    const stderr = (...args: string[]) => {
      try {
        execFileSync(process.execPath, [MAIN, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        return "";
      } catch (error) {
        return String((error as { stderr: string }).stderr);
      }
    };
    expect(stderr("--scenario", "fanout-10", "--paths", "js,fast")).toMatch(/--paths takes js,native/);
    expect(stderr("--scenario=fanout-10", "--paths=native", "--rounds=0")).toMatch(/--rounds takes 1 to 20/);
  });
});
