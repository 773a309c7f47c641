import { describe, expect, it } from "vitest";
import { BandwidthEstimator, DEFAULT_ESTIMATOR } from "./BandwidthEstimator.js";

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
    run(e, 0, 6000, (est) => est, () => e.onReport(0, 0.05));
    expect(e.estimate).toBeGreaterThan(2_000_000);
  });

  it("falls below a 400 kbit/s bottleneck within three seconds of heavy loss", () => {
    const e = new BandwidthEstimator({ ...DEFAULT_ESTIMATOR, initial: 2_000_000 });
    const capacity = 400_000;
    run(e, 0, 3000, (est) => Math.min(est, 1_600_000), () => {
      const rate = Math.min(e.estimate, 1_600_000);
      e.onReport(Math.max(0, 1 - capacity / rate), 0.1);
    });
    expect(e.estimate).toBeLessThanOrEqual(capacity);
  });

  it("treats a growing queue (RTT far above its floor) as congestion, and random 3 % loss as not", () => {
    const e = new BandwidthEstimator();
    run(e, 0, 4000, (est) => est, () => e.onReport(0.03, 0.1));
    const clean = e.estimate;
    expect(clean).toBeGreaterThan(DEFAULT_ESTIMATOR.initial);
    e.onReport(0.03, 0.6);
    e.update(4000, clean);
    expect(e.estimate).toBeLessThan(clean * 0.7);
  });

  it("follows a lower REMB from the receiver", () => {
    const e = new BandwidthEstimator();
    e.onRemb(300_000);
    e.update(0, 900_000);
    expect(e.estimate).toBeLessThanOrEqual(300_000);
  });

  it("waits longer before the next increase when the last one congested at once", () => {
    const e = new BandwidthEstimator();
    let t = run(e, 0, 3000, (est) => est, () => e.onReport(0, 0.05));
    e.onReport(0.3, 0.05);
    e.update(t, e.estimate); // cut right after increasing: hold doubles to 4 s
    const cut = e.estimate;
    t = run(e, t + 500, 3000, () => cut, () => e.onReport(0, 0.05));
    expect(e.estimate).toBe(cut);
    run(e, t, 2000, () => cut, () => e.onReport(0, 0.05));
    expect(e.estimate).toBeGreaterThan(cut);
  });
});
