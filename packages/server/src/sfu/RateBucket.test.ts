import { describe, expect, it } from "vitest";
import { RateBucket } from "./RateBucket.js";

/** How many packets of `size` the bucket lets through out of `count` offered. */
function passed(bucket: RateBucket, count: number, size: number): number {
  let n = 0;
  for (let i = 0; i < count; i++) if (bucket.take(size)) n++;
  return n;
}

describe("RateBucket", () => {
  it("lets a full burst through at once, then refuses until refilled", () => {
    const bucket = new RateBucket(1000, 1_000_000, 500);
    expect(passed(bucket, 2000, 100)).toBe(500);
    expect(bucket.take(100)).toBe(false);
    expect(bucket.refusedByPackets).toBe(1501);
  });

  it("refills at its packet rate, whole tokens, carrying fractions across ticks", () => {
    const bucket = new RateBucket(30, 1_000_000, 1000);
    passed(bucket, 30, 10);
    // 30 packets/s over 33 ms ticks: 0.99 packets a tick; 100 ticks (3.3 s) must earn 99.
    let through = 0;
    for (let t = 0; t < 100; t++) {
      bucket.refill(33);
      through += passed(bucket, 5, 10);
    }
    expect(through).toBe(99);
  });

  it("refuses by bytes when large packets exceed the bitrate though the packet rate allows them", () => {
    // 1000 packets/s but 100 000 bytes/s: 1200-byte packets pass ~83 a second.
    const bucket = new RateBucket(1000, 100_000, 1000);
    expect(passed(bucket, 1000, 1200)).toBe(83);
    expect(bucket.refusedByBytes).toBeGreaterThan(0);
    expect(bucket.refusedByPackets).toBe(0);
    bucket.refill(1000);
    expect(passed(bucket, 1000, 1200)).toBe(83);
  });

  it("never holds more than the burst, however long it is idle", () => {
    const bucket = new RateBucket(100, 1_000_000, 200);
    bucket.refill(60_000);
    expect(passed(bucket, 1000, 10)).toBe(20);
  });

  it("passes a stream at its rate indefinitely", () => {
    const bucket = new RateBucket(500, 1_000_000, 100);
    let refused = 0;
    for (let t = 0; t < 100; t++) {
      bucket.refill(100);
      refused += 50 - passed(bucket, 50, 1000);
    }
    expect(refused).toBe(0);
  });
});
