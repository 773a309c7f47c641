import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { parseCpuList, serverPrefix, splitCpus } from "./isolate.js";

describe("CONFAB_BENCH_ISOLATE", () => {
  it("reads taskset's CPU lists: single CPUs, ranges and both", () => {
    expect(parseCpuList("1")).toEqual([1]);
    expect(parseCpuList("2-4")).toEqual([2, 3, 4]);
    expect(parseCpuList("3,0-1,1")).toEqual([0, 1, 3]);
  });

  it("refuses anything else with a message naming the variable", () => {
    for (const bad of ["", "a", "1;rm -rf /", "-1", "1,", "1--2", " 1", "99999"]) {
      expect(() => parseCpuList(bad), bad).toThrow(/CONFAB_BENCH_ISOLATE/);
    }
    expect(() => parseCpuList("3-1")).toThrow(/not an ascending range/);
  });

  it("gives the load every CPU the server does not get", () => {
    expect(splitCpus("1", 2)).toEqual({ server: "1", load: "0" });
    expect(splitCpus("0,2", 4)).toEqual({ server: "0,2", load: "1,3" });
  });

  it("refuses a CPU the machine lacks, and a list that leaves the bots none", () => {
    expect(() => splitCpus("2", 2)).toThrow(/CPU 2 does not exist/);
    expect(() => splitCpus("0-1", 2)).toThrow(/leaves no CPU for the bots/);
  });

  // On one CPU isolation is refused (above): there is nothing to pin.
  it.skipIf(availableParallelism() < 2)("the server prefix puts a started process on exactly those CPUs", async () => {
    const cpu = String(availableParallelism() - 1);
    const saved = process.env.CONFAB_BENCH_ISOLATE;
    process.env.CONFAB_BENCH_ISOLATE = cpu;
    const [command, ...args] = [...serverPrefix(), "sleep", "5"];
    if (saved === undefined) delete process.env.CONFAB_BENCH_ISOLATE;
    else process.env.CONFAB_BENCH_ISOLATE = saved;
    const child = spawn(command!, args, { stdio: "ignore" });
    try {
      // taskset execs the command: the child's pid is the command's, pinned before it runs.
      for (let i = 0; i < 50 && !/sleep/.test(readFileSync(`/proc/${child.pid}/comm`, "utf8")); i++) await new Promise((r) => setTimeout(r, 20));
      const allowed = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1] ?? "";
      expect(allowed).toBe(cpu);
    } finally {
      child.kill();
      await once(child, "exit");
    }
  });
});
