import { describe, expect, it } from "vitest";
import { LoopDelay, type DelayHistogram } from "./LoopDelay.js";

/** A histogram that records what it is told and samples only while enabled. */
class FakeHistogram implements DelayHistogram {
  enabled = false;
  samples: number[] = [];
  enable(): boolean {
    this.enabled = true;
    return true;
  }
  disable(): boolean {
    this.enabled = false;
    return true;
  }
  reset(): void {
    this.samples = [];
  }
  /** What the histogram's timer would record (only while it runs). */
  tick(ns: number): void {
    if (this.enabled) this.samples.push(ns);
  }
  percentile(p: number): number {
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  }
  get count(): number {
    return this.samples.length;
  }
}

describe("an SFU worker's event-loop delay", () => {
  it("is not sampled until the thread has work, and reads 0 meanwhile", () => {
    const histogram = new FakeHistogram();
    const delay = new LoopDelay(histogram);
    histogram.tick(10e6);
    expect(histogram.enabled).toBe(false);
    expect(delay.takeP99Ms()).toBe(0);
  });

  it("is sampled while the thread has work, each report covering the time since the last", () => {
    const histogram = new FakeHistogram();
    const delay = new LoopDelay(histogram);
    delay.setActive(true);
    for (let i = 0; i < 99; i++) histogram.tick(10e6);
    histogram.tick(40e6);
    expect(delay.takeP99Ms()).toBe(40);
    histogram.tick(12e6);
    expect(delay.takeP99Ms()).toBe(12);
  });

  it("stops sampling when the work is gone, and a restart does not count what came before", () => {
    const histogram = new FakeHistogram();
    const delay = new LoopDelay(histogram);
    delay.setActive(true);
    histogram.tick(300e6);
    delay.setActive(false);
    expect(histogram.enabled).toBe(false);
    histogram.tick(500e6);
    delay.setActive(true);
    histogram.tick(11e6);
    expect(delay.takeP99Ms()).toBe(11);
  });
});
