import { describe, expect, it, vi } from "vitest";
import { KeyframeThrottle } from "./KeyframeThrottle.js";

describe("KeyframeThrottle", () => {
  it("sends the first request at once and coalesces a burst into one trailing request", () => {
    vi.useFakeTimers();
    let now = 0;
    const sent: number[] = [];
    const t = new KeyframeThrottle(500, () => sent.push(now), () => now);
    t.request();
    expect(sent).toEqual([0]);
    for (let i = 0; i < 10; i++) {
      now += 10;
      t.request();
    }
    expect(sent).toEqual([0]);
    now = 500;
    vi.advanceTimersByTime(500);
    expect(sent).toEqual([0, 500]);
    t.close();
    vi.useRealTimers();
  });

  it("sends nothing after close", () => {
    const send = vi.fn();
    const t = new KeyframeThrottle(500, send, () => 0);
    t.close();
    t.request();
    t.close();
    expect(send).not.toHaveBeenCalled();
  });
});
