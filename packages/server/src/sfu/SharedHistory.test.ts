import { describe, expect, it } from "vitest";
import { PacketRing } from "./PacketRing.js";
import { SharedHistory } from "./SharedHistory.js";
import type { KeptPayload } from "./TrackLayer.js";

/** A layer's ring with `payload` put in it, and where. */
function keep(ring: PacketRing, payload: Buffer): KeptPayload {
  return { ring, position: ring.put(payload), length: payload.length };
}

describe("a receiver's history of payloads its layer keeps", () => {
  it("gives back the payload as this receiver sent it: the layer's bytes with the ones rewritten for it", () => {
    const ring = new PacketRing(0, 4096);
    const original = Buffer.from([0x90, 0x80, 0x12, 0x34, 7, 1, 2, 3, 4, 5]);
    const kept = keep(ring, original);
    const history = new SharedHistory(16);
    // The receiver's copy: PictureID (bytes 2–3) and TL0PICIDX (byte 4) rewritten during the send, then restored.
    const payload = Buffer.from(original);
    payload[2] = 0x92;
    payload[3] = 0x01;
    payload[4] = 42;
    expect(history.remember(5, kept, payload, 2, 3, 4)).toBe(true);
    payload.set(original);
    expect(history.copy(5)).toEqual(Buffer.from([0x90, 0x80, 0x92, 0x01, 42, 1, 2, 3, 4, 5]));
    // Another receiver of the same packet, not rewritten.
    const other = new SharedHistory(16);
    expect(other.remember(5, kept, original, -1, -1, -1)).toBe(true);
    expect(other.copy(5)).toEqual(original);
    // A copy: changing it changes neither the ring nor the next copy.
    history.copy(5)![0] = 0;
    expect(history.copy(5)![0]).toBe(0x90);
  });

  it("remembers nothing when the layer did not keep that payload, and forgets what its ring overwrote", () => {
    const ring = new PacketRing(0, 300);
    const history = new SharedHistory(16);
    const a = Buffer.alloc(100, 1);
    expect(history.remember(1, undefined, a, -1, -1, -1)).toBe(false);
    expect(history.remember(1, { ring, position: -1, length: 100 }, a, -1, -1, -1)).toBe(false);
    // The layer kept another packet (another length) than this one.
    expect(history.remember(1, keep(ring, Buffer.alloc(50)), a, -1, -1, -1)).toBe(false);
    expect(history.has(1)).toBe(false);
    expect(history.remember(2, keep(ring, a), a, 0, -1, 500)).toBe(true);
    expect(history.copy(2)).toEqual(a);
    for (let i = 0; i < 3; i++) ring.put(Buffer.alloc(100, 9)); // past the ring's 300 bytes
    expect(history.copy(2)).toBeUndefined();
  });

  it("forgets everything when the layer's ring is cleared (its track closed) or the history is", () => {
    const ring = new PacketRing(0, 1000);
    const history = new SharedHistory(4);
    const a = Buffer.alloc(10, 3);
    history.remember(0, keep(ring, a), a, -1, -1, -1);
    history.remember(1, keep(ring, a), a, -1, -1, -1);
    ring.clear();
    ring.put(Buffer.alloc(10, 4)); // the ring is taken again: old positions stay invalid
    expect(history.copy(0)).toBeUndefined();
    history.clear();
    expect(history.has(1)).toBe(false);
  });
});
