import { createRequire } from "node:module";
import { Registry, collectDefaultMetrics } from "prom-client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { emptyStats } from "../room/RoomHost.js";
import { MAIN_LOOP_SAMPLE_MS, PROM_CLIENT_HISTOGRAM_MS, REPORTED_AS_MS, replaceLoopLagGauges, type LagHistogram } from "./mainLoopLag.js";
import { createMetrics } from "./metrics.js";

/** A histogram holding fixed samples (nanoseconds), emptied by `reset`. */
class FixedHistogram implements LagHistogram {
  resets = 0;
  constructor(private samples: number[]) {}
  enable(): boolean {
    return true;
  }
  reset(): void {
    this.samples = [];
    this.resets++;
  }
  percentile(p: number): number {
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  }
  get min(): number {
    return this.samples.length ? Math.min(...this.samples) : 9223372036854776000;
  }
  get max(): number {
    return this.samples.length ? Math.max(...this.samples) : 0;
  }
  get mean(): number {
    return this.samples.length ? this.samples.reduce((a, b) => a + b, 0) / this.samples.length : NaN;
  }
  get stddev(): number {
    return 7e6;
  }
  get count(): number {
    return this.samples.length;
  }
}

/** The value of `name` in a Prometheus text exposition. */
function value(text: string, name: string): number {
  const match = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  if (!match) throw new Error(`${name} not in /metrics`);
  return Number(match[1]);
}

const ms = 1e6;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the main thread's event-loop lag in /metrics", () => {
  it("reads as prom-client's 10 ms histogram would: each sample's interval beyond 10 ms taken off, the spread as it is", async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: "t_", eventLoopMonitoringPrecision: PROM_CLIENT_HISTOGRAM_MS });
    // Samples every 50 ms: an idle loop (50 ms), one 5 ms late, one held up 230 ms.
    const samples = [...Array<number>(97).fill(50 * ms), 55 * ms, 280 * ms, 50 * ms];
    const histogram = new FixedHistogram(samples);
    replaceLoopLagGauges(registry, "t_", histogram);
    const text = await registry.metrics();
    const shift = MAIN_LOOP_SAMPLE_MS - REPORTED_AS_MS;
    expect(shift).toBe(40);
    expect(value(text, "t_nodejs_eventloop_lag_min_seconds")).toBeCloseTo(0.01, 9);
    expect(value(text, "t_nodejs_eventloop_lag_p50_seconds")).toBeCloseTo(0.01, 9);
    expect(value(text, "t_nodejs_eventloop_lag_p90_seconds")).toBeCloseTo(0.01, 9);
    expect(value(text, "t_nodejs_eventloop_lag_p99_seconds")).toBeCloseTo(0.015, 9);
    expect(value(text, "t_nodejs_eventloop_lag_max_seconds")).toBeCloseTo(0.24, 9);
    expect(value(text, "t_nodejs_eventloop_lag_mean_seconds")).toBeCloseTo((samples.reduce((a, b) => a + b, 0) / samples.length - 40 * ms) / 1e9, 9);
    expect(value(text, "t_nodejs_eventloop_lag_stddev_seconds")).toBeCloseTo(0.007, 9);
    // Each figure once: prom-client's own gauges of those names are gone.
    expect(text.match(/^t_nodejs_eventloop_lag_p99_seconds /gm)).toHaveLength(1);
    expect(text).toMatch(/^# HELP t_nodejs_eventloop_lag_p99_seconds The 99th percentile of the recorded event loop delays\.$/m);
    // prom-client's scrape-time figure (a setImmediate's delay) stays.
    expect(text).toMatch(/^t_nodejs_eventloop_lag_seconds \S+$/m);
  });

  it("starts over at each scrape, and a scrape with nothing sampled since the last reads 0", async () => {
    const registry = new Registry();
    const histogram = new FixedHistogram([60 * ms, 50 * ms]);
    replaceLoopLagGauges(registry, "t_", histogram);
    expect(value(await registry.metrics(), "t_nodejs_eventloop_lag_max_seconds")).toBeCloseTo(0.02, 9);
    expect(histogram.resets).toBe(1);
    const again = await registry.metrics();
    for (const figure of ["min", "max", "mean", "stddev", "p50", "p90", "p99"]) {
      expect(value(again, `t_nodejs_eventloop_lag_${figure}_seconds`)).toBe(0);
    }
  });

  it("wakes the main thread every 50 ms, not every 10: no histogram a server makes samples more often", async () => {
    // prom-client and this module reach perf_hooks through the same module object.
    const perfHooks = createRequire(import.meta.url)("node:perf_hooks") as typeof import("node:perf_hooks");
    const made = vi.spyOn(perfHooks, "monitorEventLoopDelay");
    const registry = createMetrics(emptyStats, () => 0);
    const resolutions = made.mock.calls.map(([options]) => options?.resolution ?? 10);
    expect(resolutions.length).toBeGreaterThan(0);
    for (const resolution of resolutions) expect(resolution).toBeGreaterThanOrEqual(MAIN_LOOP_SAMPLE_MS);
    // The figures come from a histogram of this module's (prom-client's never runs its timer).
    expect(resolutions).toContain(MAIN_LOOP_SAMPLE_MS);
    const text = await registry.metrics();
    expect(text.match(/^confab_nodejs_eventloop_lag_p99_seconds /gm)).toHaveLength(1);
  });
});
