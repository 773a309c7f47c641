import { describe, expect, it } from "vitest";
import { DEFAULT_TWCC_ESTIMATOR, TwccEstimator } from "./TwccEstimator.js";

interface Link {
  /** Bottleneck rate, bit/s. */
  capacity: number;
  /** One-way propagation delay at time t (ms). */
  delay: (t: number) => number;
}

/**
 * Runs the estimator against a simulated FIFO bottleneck for `ms` from `from`: the sender sends
 * 1000-byte packets at `rate(estimate)`, the receiver's feedback comes every 100 ms and the
 * estimate is updated every 500 ms, as in the SFU. Calls `check` after each update.
 */
function simulate(e: TwccEstimator, link: Link, from: number, ms: number, rate: (estimate: number) => number, check?: (t: number) => void): number {
  const inFlight: { sentAt: number; arrival: number }[] = [];
  let linkFree = from;
  let owed = 0;
  for (let t = from; t < from + ms; t++) {
    owed += rate(e.estimate) / 8000;
    while (owed >= 1000) {
      owed -= 1000;
      const departure = Math.max(t, linkFree) + (1000 * 8000) / link.capacity;
      linkFree = departure;
      inFlight.push({ sentAt: t, arrival: departure + link.delay(t) });
    }
    if ((t - from) % 100 === 99) {
      let seq = 0;
      while (inFlight.length > 0 && inFlight[0]!.arrival <= t) {
        const p = inFlight.shift()!;
        e.onPacket({ seq: seq++, sentAt: p.sentAt, size: 1000, arrival: p.arrival });
      }
      e.endFeedback(t);
    }
    if ((t - from) % 500 === 499) {
      e.update(t);
      check?.(t);
    }
  }
  return from + ms;
}

/** A simulcast sender: the highest of three layers the estimate allows. */
const layered = (estimate: number): number => [1_500_000, 500_000, 150_000].find((l) => l <= estimate) ?? 150_000;

describe("transport-wide bandwidth estimate", () => {
  it("falls below a 400 kbit/s bottleneck within a second of 1.5 Mbit/s meeting it, and stays there without creeping up", () => {
    const e = new TwccEstimator({ ...DEFAULT_TWCC_ESTIMATOR, initial: 2_000_000 });
    const link = { capacity: 400_000, delay: () => 50 };
    const t = simulate(e, link, 0, 1000, layered);
    expect(e.estimate).toBeLessThan(400_000);
    const seen: number[] = [];
    simulate(e, link, t, 10_000, layered, () => seen.push(e.estimate));
    expect(Math.min(...seen)).toBeGreaterThan(150_000);
    expect(Math.max(...seen)).toBeLessThan(500_000);
  });

  it("does not grow far above what arrives while the sender uses less than it", () => {
    const e = new TwccEstimator({ ...DEFAULT_TWCC_ESTIMATOR, initial: 200_000 });
    simulate(e, { capacity: 10_000_000, delay: () => 20 }, 0, 20_000, () => 150_000);
    expect(e.estimate).toBeGreaterThan(200_000);
    expect(e.estimate).toBeLessThanOrEqual(150_000 * 1.5 + 50_000 + 10_000);
  });

  it("halves at most on a queue while the sender uses a fraction of the estimate, instead of falling to what it sent", () => {
    const e = new TwccEstimator({ ...DEFAULT_TWCC_ESTIMATOR, initial: 2_000_000 });
    // The receiver's delay grows 20 ms per 100 ms for 600 ms, then is back to 20 ms (a busy
    // receiver, cross traffic that came and went); the sender sends 150 kbit/s throughout, too
    // few packets per feedback to measure a bottleneck rate from their spacing.
    const delay = (t: number): number => (t >= 3000 && t < 3600 ? 20 + (t - 3000) / 5 : 20);
    const t = simulate(e, { capacity: 10_000_000, delay }, 0, 3550, () => 150_000);
    expect(e.queueing).toBe(true);
    expect(e.estimate).toBe(1_000_000); // one cut; 0.85 × 150 kbit/s would have been 127 kbit/s
    simulate(e, { capacity: 10_000_000, delay }, t, 2000, () => 150_000);
    expect(e.queueing).toBe(false);
    expect(e.estimate).toBeGreaterThanOrEqual(500_000); // a second cut, 200 ms later, at most
  });

  it("raises an estimate below what arrives without a queue to it within a second and a half (the lowest layers alone exceed it)", () => {
    const e = new TwccEstimator({ ...DEFAULT_TWCC_ESTIMATOR, initial: 100_000 });
    const seen: number[] = [];
    simulate(e, { capacity: 10_000_000, delay: () => 20 }, 0, 1500, () => 400_000, () => seen.push(e.estimate));
    // 8 %/s from 100 kbit/s would take 18 s to reach 360 kbit/s.
    expect(e.estimate).toBeGreaterThanOrEqual(0.9 * 400_000 * 0.95);
    expect(e.probeTarget(2_000_000, 1500)).toBeGreaterThan(400_000); // a probe can go above what is sent
  });

  it("does not read a delay that stepped up and stayed (a longer route) as a queue", () => {
    const e = new TwccEstimator({ ...DEFAULT_TWCC_ESTIMATOR, initial: 1_000_000 });
    const seen: number[] = [];
    simulate(e, { capacity: 10_000_000, delay: (t) => (t < 3000 ? 20 : 70) }, 0, 8000, () => 600_000, () => seen.push(e.estimate));
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(1_000_000);
    expect(e.queueing).toBe(false);
  });

  it("takes a probe that arrived as fast as it was sent as the new estimate, and one spread out by the bottleneck as its rate", () => {
    const e = new TwccEstimator({ ...DEFAULT_TWCC_ESTIMATOR, initial: 300_000 });
    expect(e.probeTarget(1_000_000, 0)).toBe(900_000); // at most three times the estimate
    e.probeStarted(1_000_000);
    expect(e.probeTarget(1_000_000, 10)).toBe(0); // one at a time
    e.probeFinished({ sendRate: 900_000, receiveRate: 380_000, received: 20, lost: 0 }, 100);
    expect(e.estimate).toBeCloseTo(342_000, -3);
    // It found no room: the next probe waits longer than after one that did.
    expect(e.probeTarget(1_000_000, 1099)).toBe(0);
    expect(e.probeTarget(1_000_000, 2100)).toBeGreaterThan(0);
    e.probeStarted(1_000_000);
    e.probeFinished({ sendRate: 1_200_000, receiveRate: 1_190_000, received: 30, lost: 1 }, 2200);
    expect(e.estimate).toBeCloseTo(1_071_000, -3);
  });

  it("ignores a probe most of whose packets were lost or unreported", () => {
    const e = new TwccEstimator({ ...DEFAULT_TWCC_ESTIMATOR, initial: 300_000 });
    e.probeStarted(1_000_000);
    e.probeFinished({ sendRate: 900_000, receiveRate: 900_000, received: 4, lost: 20 }, 100);
    expect(e.estimate).toBe(300_000);
  });
});
