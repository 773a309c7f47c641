import { describe, expect, it } from "vitest";
import { BandwidthEstimator, DEFAULT_ESTIMATOR } from "./BandwidthEstimator.js";

/** A receiver report over 100 packets with `fraction` of them lost. */
function report(e: BandwidthEstimator, fraction: number, rtt: number): void {
  e.onReport(100, Math.round(fraction * 100), rtt);
}

/** Runs the estimator in 500 ms steps from `from` ms for `ms`, feeding `report` before each. */
function run(e: BandwidthEstimator, from: number, ms: number, sendRate: (est: number) => number, report?: () => void): number {
  for (let t = from; t < from + ms; t += 500) {
    report?.();
    e.update(t, sendRate(e.estimate));
  }
  return from + ms;
}

describe("bandwidth estimate", () => {
  it("grows on a clean path until it allows the top layer", () => {
    const e = new BandwidthEstimator();
    run(e, 0, 6000, (est) => est, () => report(e, 0, 0.05));
    expect(e.estimate).toBeGreaterThan(2_000_000);
  });

  it("falls to about a 400 kbit/s bottleneck within two seconds of heavy loss", () => {
    const e = new BandwidthEstimator({ ...DEFAULT_ESTIMATOR, initial: 2_000_000 });
    const capacity = 400_000;
    run(e, 0, 1500, (est) => Math.min(est, 1_600_000), () => {
      const rate = Math.min(e.estimate, 1_600_000);
      report(e, Math.max(0, 1 - capacity / rate), 0.1);
    });
    expect(e.estimate).toBeLessThan(capacity * 1.1);
  });

  it("treats a growing queue (RTT far above its floor in two reports running) as congestion, and random 3 % loss as not", () => {
    const e = new BandwidthEstimator();
    run(e, 0, 4000, (est) => est, () => report(e, 0.03, 0.1));
    const clean = e.estimate;
    expect(clean).toBeGreaterThan(DEFAULT_ESTIMATOR.initial);
    report(e, 0.03, 0.6); // one late report: noise
    e.update(4000, clean);
    expect(e.estimate).toBeGreaterThanOrEqual(clean);
    report(e, 0.03, 0.6);
    e.update(4200, clean);
    expect(e.estimate).toBeLessThan(clean * 0.7);
  });

  it("judges loss over enough packets, not by one report over a handful", () => {
    const e = new BandwidthEstimator();
    e.onReport(2, 1, 0.05); // 50 % of two packets: not yet a verdict
    e.update(0, 900_000);
    expect(e.estimate).toBe(DEFAULT_ESTIMATOR.initial);
    e.onReport(60, 1, 0.05); // 2 of 62 in all: a clean path, so it may grow
    e.update(500, 900_000);
    expect(e.estimate).toBeGreaterThanOrEqual(DEFAULT_ESTIMATOR.initial);
  });

  it("waits longer before the next increase when the last one congested at once", () => {
    const e = new BandwidthEstimator();
    let t = run(e, 0, 3000, (est) => est, () => report(e, 0, 0.05));
    report(e, 0.3, 0.05);
    e.update(t, e.estimate); // cut right after increasing: the hold doubles
    const cut = e.estimate;
    t = run(e, t + 500, 2 * DEFAULT_ESTIMATOR.holdMs - 1000, () => cut, () => report(e, 0, 0.05));
    expect(e.estimate).toBe(cut);
    run(e, t, 2000, () => cut, () => report(e, 0, 0.05));
    expect(e.estimate).toBeGreaterThan(cut);
  });
});
