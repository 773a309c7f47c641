import { loadNative } from "@confab/native";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { allocatorStats } from "./allocator.js";
import { MemoryReturner } from "./MemoryReturner.js";

const log = pino({ level: "silent" });
const glibcAddon = loadNative().addon?.mallocStats?.() !== undefined;

describe.skipIf(!glibcAddon)("giving malloc's free memory back (native addon, glibc)", () => {
  it("reports the process's arenas: what they hold is what is in use plus what is free", () => {
    const kept = Array.from({ length: 2000 }, () => Buffer.allocUnsafeSlow(4096)); // malloc'd backing stores
    const stats = allocatorStats()!;
    expect(stats.inUseBytes).toBeGreaterThan(2000 * 4096);
    expect(stats.inUseBytes + stats.freeBytes).toBe(stats.arenaBytes);
    expect(kept).toHaveLength(2000);
  });

  it("trims when the arenas hold at least the minimum free, and not below it", () => {
    const eager = new MemoryReturner(log, 0);
    eager.trimIfWorthIt();
    expect(eager.stats.trims).toBe(1);
    const never = new MemoryReturner(log, Number.MAX_SAFE_INTEGER);
    never.trimIfWorthIt();
    expect(never.stats.trims).toBe(0);
  });
});

describe("memory returner lifecycle", () => {
  it("stops idempotently, started or not", () => {
    const returner = new MemoryReturner(log);
    returner.stop();
    returner.start(60_000);
    returner.stop();
    returner.stop();
    expect(returner.stats.trims).toBe(0);
  });
});
