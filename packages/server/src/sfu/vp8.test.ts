import { describe, expect, it } from "vitest";
import { getPictureId, isVp8KeyframeStart, readVp8Fields, setPictureId, vp8KeyframeSize } from "./vp8.js";

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

describe("VP8 descriptor fields", () => {
  it("finds, reads and rewrites a 15-bit picture id and the TL0PICIDX in place", () => {
    const payload = Uint8Array.from([0x90, 0xc0, 0x81, 0x23, 0x07, KEY]);
    const fields = { pictureIdOffset: -1, pictureIdBits: 0, tl0Offset: -1 };
    expect(readVp8Fields(payload, fields)).toBe(true);
    expect(fields).toEqual({ pictureIdOffset: 2, pictureIdBits: 15, tl0Offset: 4 });
    expect(getPictureId(payload, fields)).toBe(0x0123);
    setPictureId(payload, fields, 0x7ffe);
    expect(getPictureId(payload, fields)).toBe(0x7ffe);
    expect(payload[2]! & 0x80).toBe(0x80);
  });

  it("keeps a 7-bit picture id 7 bits wide", () => {
    const payload = Uint8Array.from([0x90, 0x80, 0x05, KEY]);
    const fields = { pictureIdOffset: -1, pictureIdBits: 0, tl0Offset: -1 };
    readVp8Fields(payload, fields);
    expect(fields.pictureIdBits).toBe(7);
    setPictureId(payload, fields, 0x1ff);
    expect(getPictureId(payload, fields)).toBe(0x7f);
  });

  it("reports truncated descriptors without throwing", () => {
    const fields = { pictureIdOffset: -1, pictureIdBits: 0, tl0Offset: -1 };
    expect(readVp8Fields(Uint8Array.from([0x90]), fields)).toBe(false);
    expect(readVp8Fields(Uint8Array.from([0x90, 0xc0, 0x81, 0x23]), fields)).toBe(false);
  });

  it("reads the frame size of a keyframe", () => {
    // 640x360: frame tag (3 bytes, P=0), start code, 14-bit little-endian sizes.
    const payload = Uint8Array.from([0x90, 0x80, 0x81, 0x23, KEY, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01]);
    expect(vp8KeyframeSize(payload)).toEqual({ width: 640, height: 360 });
    expect(vp8KeyframeSize(Uint8Array.from([0x90, 0x80, 0x81, 0x23, DELTA, 0, 0, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01]))).toBeUndefined();
  });
});
