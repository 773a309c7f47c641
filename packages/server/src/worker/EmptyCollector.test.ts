import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EmptyCollector } from "./EmptyCollector.js";

describe("EmptyCollector", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("collects once the delay after the last room closed has passed with the thread still empty", () => {
    const collect = vi.fn();
    const collector = new EmptyCollector(() => true, collect, 2000);
    collector.roomClosed();
    vi.advanceTimersByTime(1999);
    expect(collect).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(collect).toHaveBeenCalledTimes(1);
  });

  it("does not collect while a room has participants (media may flow) or a join is under way", () => {
    let participants = 0;
    let joining = 0;
    const collect = vi.fn();
    const collector = new EmptyCollector(() => participants === 0 && joining === 0, collect, 2000);
    collector.roomClosed();
    participants = 3; // someone rejoined within the delay and publishes
    vi.advanceTimersByTime(10_000);
    participants = 0;
    collector.roomClosed();
    joining = 1; // a join's ICE/DTLS handshake is running
    vi.advanceTimersByTime(10_000);
    expect(collect).not.toHaveBeenCalled();
  });

  it("waits the whole delay again after each room that closes, and collects once", () => {
    const collect = vi.fn();
    const collector = new EmptyCollector(() => true, collect, 2000);
    collector.roomClosed();
    vi.advanceTimersByTime(1500);
    collector.roomClosed();
    vi.advanceTimersByTime(1500);
    expect(collect).not.toHaveBeenCalled();
    vi.advanceTimersByTime(500);
    expect(collect).toHaveBeenCalledTimes(1);
  });

  it("collects nothing after close", () => {
    const collect = vi.fn();
    const collector = new EmptyCollector(() => true, collect, 2000);
    collector.roomClosed();
    collector.close();
    collector.close();
    vi.advanceTimersByTime(5000);
    expect(collect).not.toHaveBeenCalled();
  });
});
