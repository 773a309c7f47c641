// The module object, not a named import: what prom-client calls too (and a test can watch).
import perfHooks from "node:perf_hooks";
import { Gauge, type Registry } from "prom-client";

/** How often the main thread's event-loop delay is sampled, ms (a timer that wakes the thread). */
export const MAIN_LOOP_SAMPLE_MS = 50;
/**
 * The sampling interval the figures are reported at: prom-client's default, 10 ms. Node's
 * histogram records the whole time between two of its timer's runs (interval + lateness), so
 * a figure sampled every 50 ms has 40 ms taken off and reads what a 10 ms histogram would: an
 * idle loop ≈ 10 ms, as before and as the SFU workers' figure (worker/LoopDelay.ts) reads.
 */
export const REPORTED_AS_MS = 10;
/**
 * The resolution handed to prom-client's `collectDefaultMetrics` (2^31 − 1 ms, ≈ 24.8 days):
 * its own histogram, which it always creates and cannot be told to leave out, then never
 * wakes the thread; {@link replaceLoopLagGauges} replaces the gauges it fed.
 */
export const PROM_CLIENT_HISTOGRAM_MS = 2 ** 31 - 1;

/** The part of `perf_hooks`' interval histogram these gauges read (nanoseconds). */
export interface LagHistogram {
  enable(): boolean;
  reset(): void;
  percentile(percentile: number): number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly stddev: number;
  readonly count: number;
}

/** prom-client's histogram-fed lag gauges (after the prefix), their help, and how each is read. */
const FIGURES: readonly (readonly [name: string, help: string, read: (h: LagHistogram) => number, shifted: boolean])[] = [
  ["nodejs_eventloop_lag_min_seconds", "The minimum recorded event loop delay.", (h) => h.min, true],
  ["nodejs_eventloop_lag_max_seconds", "The maximum recorded event loop delay.", (h) => h.max, true],
  ["nodejs_eventloop_lag_mean_seconds", "The mean of the recorded event loop delays.", (h) => h.mean, true],
  ["nodejs_eventloop_lag_stddev_seconds", "The standard deviation of the recorded event loop delays.", (h) => h.stddev, false],
  ["nodejs_eventloop_lag_p50_seconds", "The 50th percentile of the recorded event loop delays.", (h) => h.percentile(50), true],
  ["nodejs_eventloop_lag_p90_seconds", "The 90th percentile of the recorded event loop delays.", (h) => h.percentile(90), true],
  ["nodejs_eventloop_lag_p99_seconds", "The 99th percentile of the recorded event loop delays.", (h) => h.percentile(99), true],
];

let shared: LagHistogram | undefined;

/** The process's main-thread histogram, made and enabled once (every server of the process reads it). */
function mainLoopHistogram(): LagHistogram {
  if (!shared) {
    shared = perfHooks.monitorEventLoopDelay({ resolution: MAIN_LOOP_SAMPLE_MS });
    shared.enable();
  }
  return shared;
}

/**
 * Replaces prom-client's `nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds` in
 * `registry` (registered by `collectDefaultMetrics` with {@link PROM_CLIENT_HISTOGRAM_MS})
 * by the same names, help and meaning, read from a histogram sampling every
 * {@link MAIN_LOOP_SAMPLE_MS} instead of 10 ms: 20 wake-ups of the main thread a second
 * instead of 100 (an idle server's main thread went from 5–8 to ~3.5 ms of CPU a second; at
 * `fanout-10` 0.3–0.5 µs per forwarded packet; docs/measurements.md). Each scrape reads the
 * histogram once (at the first gauge) and starts it over, as prom-client did; a scrape with no
 * sample since the last reads 0.
 */
export function replaceLoopLagGauges(registry: Registry, prefix: string, histogram: LagHistogram = mainLoopHistogram()): void {
  const shift = (MAIN_LOOP_SAMPLE_MS - REPORTED_AS_MS) * 1e6;
  let figures: number[] = FIGURES.map(() => 0);
  FIGURES.forEach(([name, help], i) => {
    registry.removeSingleMetric(prefix + name);
    new Gauge({
      name: prefix + name,
      help,
      registers: [registry],
      collect() {
        if (i === 0) {
          const sampled = histogram.count > 0;
          figures = FIGURES.map(([, , readFigure, isShifted]) => (sampled ? Math.max(0, readFigure(histogram) - (isShifted ? shift : 0)) / 1e9 : 0));
          histogram.reset();
        }
        this.set(figures[i]!);
      },
    });
  });
}
