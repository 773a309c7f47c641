import { describe, expect, it, vi } from "vitest";
import { CAP_TICK_MS, PAUSE_AFTER_MS, PublishCap, type CapSlot, type PublishCapLimits } from "./PublishCap.js";
import type { RateLimitKind } from "./RateBucket.js";
import { publishCapStats } from "./stats.js";

const limits: PublishCapLimits = { maxPublishKbps: 8000, maxPublishPacketsPerSecond: 3000, publishBurstMs: 1000, publishCapCooldownMs: 5000 };

/** A cap driven by hand, with its clock. */
function harness(overrides: Partial<PublishCapLimits> = {}) {
  let now = 0;
  const cap = new PublishCap({ ...limits, ...overrides }, () => now, false);
  const changes: { track: string; paused: boolean; limit: RateLimitKind }[] = [];
  const track = (name: string): CapSlot => {
    const slot = cap.slot((paused, limit) => changes.push({ track: name, paused, limit }));
    if (!slot) throw new Error("cap is off");
    return slot;
  };
  /** Sends `perTick` packets of `size` on `slot` each tick for `ms`; returns how many passed. */
  const send = (ms: number, streams: [CapSlot, number, number][]): number[] => {
    const through = streams.map(() => 0);
    for (let t = 0; t < ms; t += CAP_TICK_MS) {
      streams.forEach(([slot, perTick, size], i) => {
        for (let k = 0; k < perTick; k++) if (slot.admit(size)) through[i]!++;
      });
      now += CAP_TICK_MS;
      cap.tick();
    }
    return through;
  };
  return { cap, track, send, changes };
}

describe("PublishCap", () => {
  it("forwards every packet of a publisher within its caps and pauses nothing", () => {
    const { track, send, changes } = harness();
    const camera = track("camera");
    const mic = track("mic");
    // 2.5 Mbit/s of video in 1100-byte packets and 50 audio packets/s, for 10 s.
    const [video, audio] = send(10_000, [[camera, 28, 1100], [mic, 5, 120]]);
    expect(video).toBe(2800);
    expect(audio).toBe(500);
    expect(changes).toEqual([]);
  });

  it("lets a burst above the cap through, then drops what exceeds the packet rate", () => {
    const { track, send } = harness();
    const flood = track("camera");
    // 10 000 packets/s against 3000/s: the burst (3000) and then ~300 per tick pass.
    const [through] = send(500, [[flood, 1000, 100]]);
    expect(through).toBeGreaterThanOrEqual(3000 + 4 * 300);
    expect(through).toBeLessThanOrEqual(3000 + 5 * 300);
  });

  it("pauses the flooding track after sustained refusals and tells it why, leaving the other track forwarded", () => {
    const { track, send, changes } = harness();
    const camera = track("camera");
    const mic = track("mic");
    const before = publishCapStats.tracksPaused;
    // 20 000 packets/s of small packets on the camera; a normal microphone.
    send(PAUSE_AFTER_MS + 1000, [[camera, 2000, 60], [mic, 5, 120]]);
    expect(changes).toEqual([{ track: "camera", paused: true, limit: "packetRate" }]);
    expect(camera.paused).toBe(true);
    expect(publishCapStats.tracksPaused).toBe(before + 1);
    // Paused, the camera's packets are all dropped and no longer take the microphone's tokens.
    const [video, audio] = send(2000, [[camera, 2000, 60], [mic, 5, 120]]);
    expect(video).toBe(0);
    expect(audio).toBe(100);
  });

  it("names the bitrate when large packets exceed the bitrate cap under the packet-rate cap", () => {
    const { track, send, changes } = harness();
    const screen = track("screen");
    // 20 Mbit/s in 1200-byte packets: ~2080 packets/s, under 3000/s.
    send(3000, [[screen, 208, 1200]]);
    expect(changes).toEqual([{ track: "screen", paused: true, limit: "bitrate" }]);
  });

  it("keeps a paused track paused while it floods, and resumes it after the cool-down once it is back within bounds", () => {
    const { track, send, changes } = harness();
    const camera = track("camera");
    send(3000, [[camera, 1000, 100]]);
    expect(camera.paused).toBe(true);
    send(10_000, [[camera, 1000, 100]]);
    expect(camera.paused).toBe(true);
    const [through] = send(limits.publishCapCooldownMs, [[camera, 10, 1000]]);
    expect(changes).toEqual([
      { track: "camera", paused: true, limit: "packetRate" },
      { track: "camera", paused: false, limit: "packetRate" },
    ]);
    expect(camera.paused).toBe(false);
    expect(through).toBeGreaterThan(0);
  });

  it("does not resume a calm track before its cool-down", () => {
    const { track, send } = harness({ publishCapCooldownMs: 8000 });
    const camera = track("camera");
    send(3000, [[camera, 1000, 100]]);
    expect(camera.paused).toBe(true);
    send(6000, [[camera, 1, 100]]);
    expect(camera.paused).toBe(true);
    send(3000, [[camera, 1, 100]]);
    expect(camera.paused).toBe(false);
  });

  it("counts every dropped packet in publishCapStats", () => {
    const { track, send } = harness();
    const camera = track("camera");
    const before = publishCapStats.packetsDropped;
    const [through] = send(500, [[camera, 1000, 100]]);
    expect(publishCapStats.packetsDropped - before).toBe(5000 - Number(through));
  });

  it("is off (no slot, nothing dropped) when a cap is 0", () => {
    const { cap } = harness({ maxPublishKbps: 0 });
    expect(cap.slot(() => undefined)).toBeUndefined();
  });

  it("runs its timer only while it has tracks, and refills by it", () => {
    vi.useFakeTimers();
    try {
      const cap = new PublishCap(limits);
      expect(vi.getTimerCount()).toBe(0);
      const camera = cap.slot(() => undefined)!;
      expect(vi.getTimerCount()).toBe(1);
      let through = 0;
      for (let i = 0; i < 6000; i++) if (camera.admit(100)) through++;
      expect(through).toBe(3000);
      vi.advanceTimersByTime(1000);
      for (let i = 0; i < 6000; i++) if (camera.admit(100)) through++;
      expect(through).toBe(6000);
      cap.release(camera);
      expect(vi.getTimerCount()).toBe(0);
      cap.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it("close is idempotent and gives no slot after", () => {
    const { cap } = harness();
    cap.close();
    cap.close();
    expect(cap.slot(() => undefined)).toBeUndefined();
  });
});
