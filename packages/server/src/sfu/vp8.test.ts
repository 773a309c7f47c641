import { describe, expect, it } from "vitest";
import { isVp8KeyframeStart } from "./vp8.js";

// VP8 payload header byte: bit 0 is P (0 = keyframe), as in RFC 6386 §9.1.
const KEY = 0x9d ^ 0x01; // 0x9c: P=0
const DELTA = 0x9d; // P=1

describe("isVp8KeyframeStart", () => {
  it("recognises a keyframe start with a 15-bit picture id", () => {
    expect(isVp8KeyframeStart(Uint8Array.from([0x90, 0x80, 0x81, 0x23, KEY, 0x01, 0x2a]))).toBe(true);
  });

  it("recognises a keyframe start with a 7-bit picture id, TL0PICIDX and TID", () => {
    expect(isVp8KeyframeStart(Uint8Array.from([0x90, 0xe0, 0x05, 0x07, 0x40, KEY]))).toBe(true);
  });

  it("recognises a keyframe start without extensions", () => {
    expect(isVp8KeyframeStart(Uint8Array.from([0x10, KEY]))).toBe(true);
  });

  it("rejects delta frames, continuation packets and later partitions", () => {
    expect(isVp8KeyframeStart(Uint8Array.from([0x90, 0x80, 0x81, 0x23, DELTA]))).toBe(false);
    expect(isVp8KeyframeStart(Uint8Array.from([0x80, 0x80, 0x81, 0x23, KEY]))).toBe(false);
    expect(isVp8KeyframeStart(Uint8Array.from([0x11, KEY]))).toBe(false);
  });

  it("rejects truncated payloads without throwing", () => {
    for (const bytes of [[], [0x90], [0x90, 0x80], [0x90, 0x80, 0x81], [0x90, 0x80, 0x81, 0x23]]) {
      expect(isVp8KeyframeStart(Uint8Array.from(bytes))).toBe(false);
    }
  });
});
