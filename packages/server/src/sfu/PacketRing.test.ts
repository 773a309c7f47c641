import { describe, expect, it } from "vitest";
import { PacketRing, RING_POOL_MAX_BYTES, pooledRingBytes, releasePooledRings } from "./PacketRing.js";

const packet = (n: number, length = 100) => Buffer.alloc(length, n);

describe("packet ring", () => {
  it("gives back a copy of a stored packet by its slot", () => {
    const ring = new PacketRing(8, 1000);
    ring.store(3, packet(3));
    const got = ring.get(3)!;
    expect(got.equals(packet(3))).toBe(true);
    got[0] = 99; // a copy: the ring is unchanged
    expect(ring.get(3)!.equals(packet(3))).toBe(true);
    expect(ring.get(4)).toBeUndefined();
  });

  it("forgets a packet once newer ones have written over its bytes, and keeps packets contiguous across the wrap", () => {
    const ring = new PacketRing(64, 350);
    for (let i = 0; i < 3; i++) ring.store(i, packet(i)); // bytes 0..300
    ring.store(3, packet(3)); // does not fit in the last 50 bytes: starts over at 0, over packet 0
    expect(ring.get(0)).toBeUndefined();
    expect(ring.get(1)!.equals(packet(1))).toBe(true);
    expect(ring.get(3)!.equals(packet(3))).toBe(true);
    ring.store(4, packet(4)); // over packet 1
    expect(ring.get(1)).toBeUndefined();
    expect(ring.get(2)!.equals(packet(2))).toBe(true);
    expect(ring.get(4)!.equals(packet(4))).toBe(true);
  });

  it("does not keep a packet larger than the ring, and clear() forgets everything", () => {
    const ring = new PacketRing(4, 50);
    ring.store(0, packet(0, 40));
    ring.store(1, packet(1, 60));
    expect(ring.get(1)).toBeUndefined();
    expect(ring.get(0)).toBeDefined();
    ring.clear();
    expect(ring.get(0)).toBeUndefined();
  });
});

describe("packet ring pool", () => {
  it("a ring cleared gives its bytes to the next ring of that size, which never shows the old packets", () => {
    releasePooledRings();
    const first = new PacketRing(8, 1000);
    first.store(1, packet(1));
    first.clear();
    expect(pooledRingBytes()).toBe(1000);
    const second = new PacketRing(8, 1000);
    expect(second.get(1)).toBeUndefined();
    second.store(2, packet(2, 50));
    expect(pooledRingBytes()).toBe(0); // taken from the pool, not allocated
    expect(second.get(1)).toBeUndefined();
    expect(second.get(2)!.equals(packet(2, 50))).toBe(true);
  });

  it("keeps at most RING_POOL_MAX_BYTES of free rings, and lets them all go on request", () => {
    releasePooledRings();
    const size = 256 * 1024;
    const rings = Array.from({ length: RING_POOL_MAX_BYTES / size + 4 }, () => new PacketRing(4, size));
    for (const r of rings) r.store(0, packet(0));
    for (const r of rings) r.clear();
    expect(pooledRingBytes()).toBe(RING_POOL_MAX_BYTES);
    expect(releasePooledRings()).toBe(RING_POOL_MAX_BYTES);
    expect(pooledRingBytes()).toBe(0);
  });

  it("clear() twice gives the ring back once", () => {
    releasePooledRings();
    const ring = new PacketRing(4, 500);
    ring.store(0, packet(0));
    ring.clear();
    ring.clear();
    expect(pooledRingBytes()).toBe(500);
  });

  it("keeps packets for several readers by position (put/copyAt), each found until overwritten", () => {
    const ring = new PacketRing(0, 350);
    const positions = [0, 1, 2].map((i) => ring.put(packet(i)));
    expect(positions).toEqual([0, 100, 200]);
    expect(ring.copyAt(positions[1]!, 100)!.equals(packet(1))).toBe(true);
    ring.put(packet(3)); // starts over at 0, over packet 0
    expect(ring.copyAt(positions[0]!, 100)).toBeUndefined();
    expect(ring.copyAt(positions[2]!, 100)!.equals(packet(2))).toBe(true);
    expect(ring.put(packet(4, 400))).toBe(-1);
    expect(ring.copyAt(-1, 10)).toBeUndefined();
  });
});
