import { describe, expect, it } from "vitest";
import { AttemptLimiter } from "./AttemptLimiter.js";

function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe("AttemptLimiter", () => {
  it("allows the burst, then refuses and says how long to wait", () => {
    const clock = fakeClock();
    const limiter = new AttemptLimiter({ burst: 3, refillPerMinute: 6, now: clock.now });
    expect([1, 2, 3].map(() => limiter.consume("a"))).toEqual([true, true, true]);
    expect(limiter.consume("a")).toBe(false);
    expect(limiter.retryAfterMs("a")).toBe(10_000);
    expect(limiter.consume("b")).toBe(true);
  });

  it("gives attempts back at the refill rate", () => {
    const clock = fakeClock();
    const limiter = new AttemptLimiter({ burst: 2, refillPerMinute: 6, now: clock.now });
    limiter.consume("a");
    limiter.consume("a");
    clock.advance(9_999);
    expect(limiter.consume("a")).toBe(false);
    clock.advance(1);
    expect(limiter.retryAfterMs("a")).toBe(0);
    expect(limiter.consume("a")).toBe(true);
    expect(limiter.consume("a")).toBe(false);
  });

  it("forgets keys whose bucket refilled", () => {
    const clock = fakeClock();
    const limiter = new AttemptLimiter({ burst: 2, refillPerMinute: 60, now: clock.now });
    limiter.consume("a");
    expect(limiter.size).toBe(1);
    clock.advance(1_000);
    expect(limiter.retryAfterMs("a")).toBe(0);
    expect(limiter.size).toBe(0);
  });

  it("checking a key never remembers it", () => {
    const limiter = new AttemptLimiter({ burst: 2, refillPerMinute: 60 });
    for (let i = 0; i < 1000; i++) limiter.retryAfterMs(`k${i}`);
    expect(limiter.size).toBe(0);
  });

  it("remembers at most maxKeys keys, forgetting the least recently used", () => {
    const clock = fakeClock();
    const limiter = new AttemptLimiter({ burst: 1, refillPerMinute: 1, maxKeys: 1_000, now: clock.now });
    for (let i = 0; i < 100_000; i++) limiter.consume(`k${i}`);
    expect(limiter.size).toBe(1_000);
    expect(limiter.consume("k99999")).toBe(false);
    expect(limiter.consume("k0")).toBe(true);
  });

  it("refuses a burst below 1 or a rate that is not positive", () => {
    expect(() => new AttemptLimiter({ burst: 0, refillPerMinute: 1 })).toThrow(RangeError);
    expect(() => new AttemptLimiter({ burst: 1, refillPerMinute: 0 })).toThrow(RangeError);
  });
});
