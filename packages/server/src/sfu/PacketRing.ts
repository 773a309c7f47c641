import { Buffer } from "node:buffer";
/**
 * Copies of sent packets in one preallocated byte ring, found again by a slot number. Keeping
 * the encrypted Buffers themselves alive for a second (the retransmission window) made every
 * young-generation GC copy thousands of them: 8–10 ms pauses in the SFU worker every ~125 ms
 * at 10 000 forwarded packets/s, which set the forwarding delay's p99. Copies into a ring let
 * every per-packet Buffer die young. The ring is allocated at the first store.
 *
 * Rings are reused: a cleared ring's bytes go back to a pool of this thread and the next ring
 * of that size takes them. Allocated afresh for every subscription (~1.2 MB per join in a room
 * of three: 256 KiB per video and 32 KiB per audio track, both ways), they were garbage until
 * V8's next full collection, which an SFU worker under churn runs rarely (its heap and its
 * external memory have to grow first): the workers' ArrayBuffers grew 8–10 MB a minute in a
 * soak and kept malloc's arenas at their high-water mark (docs/measurements.md).
 */
export class PacketRing {
  private ring: Buffer | undefined;
  /** Bytes written since the start (never wraps in practice: 2^53). */
  private written = 0;
  private readonly positions: Float64Array;
  private readonly lengths: Uint16Array;

  constructor(
    slots: number,
    private readonly bytes: number,
  ) {
    this.positions = new Float64Array(slots).fill(-1);
    this.lengths = new Uint16Array(slots);
  }

  /** Keeps a copy of `packet` in `slot` (a packet larger than the ring is not kept). */
  store(slot: number, packet: Buffer): void {
    const position = this.put(packet);
    this.positions[slot] = position;
    if (position >= 0) this.lengths[slot] = packet.length;
  }

  /**
   * Keeps a copy of `packet` and returns where (for {@link copyAt}), or -1 when it is larger
   * than the ring; for a ring shared by several readers, each remembering its own positions.
   */
  put(packet: Buffer): number {
    const length = packet.length;
    if (length > this.bytes || length > 0xffff) return -1;
    this.ring ??= takeRing(this.bytes);
    let at = this.written % this.bytes;
    if (at + length > this.bytes) {
      // Packets stay contiguous: skip the ring's tail.
      this.written += this.bytes - at;
      at = 0;
    }
    packet.copy(this.ring, at);
    const position = this.written;
    this.written += length;
    return position;
  }

  /** A copy of the `length` bytes {@link put} at `position`, or undefined once newer packets overwrote them. */
  copyAt(position: number, length: number): Buffer | undefined {
    if (position < 0 || !this.ring || this.written - position > this.bytes) return undefined;
    const at = position % this.bytes;
    // A copy: the send is asynchronous and the ring keeps moving.
    return Buffer.from(this.ring.subarray(at, at + length));
  }

  /** A copy of the packet in `slot`, or undefined when none or newer packets overwrote it. */
  get(slot: number): Buffer | undefined {
    return this.copyAt(this.positions[slot]!, this.lengths[slot]!);
  }

  /** Forgets everything and gives the ring's bytes back to the pool; idempotent. */
  clear(): void {
    if (this.ring) giveRing(this.ring);
    this.ring = undefined;
    this.positions.fill(-1);
    // Every position handed out before is overwritten from now on (copyAt says so).
    this.written += this.bytes + 1;
  }
}

/** Free ring bytes a thread keeps for reuse, at most. */
export const RING_POOL_MAX_BYTES = 8 * 1024 * 1024;
/** Free rings by size. A reused ring's old bytes are never read: a ring only gives back slots it wrote. */
const pool = new Map<number, Buffer[]>();
let pooledBytes = 0;

function takeRing(bytes: number): Buffer {
  const ring = pool.get(bytes)?.pop();
  if (!ring) return Buffer.allocUnsafeSlow(bytes);
  pooledBytes -= bytes;
  return ring;
}

function giveRing(ring: Buffer): void {
  if (pooledBytes + ring.length > RING_POOL_MAX_BYTES) return; // left to the garbage collector
  let free = pool.get(ring.length);
  if (!free) pool.set(ring.length, (free = []));
  free.push(ring);
  pooledBytes += ring.length;
}

/** Drops the pooled rings (a thread that hosts nobody any more); returns the bytes let go. */
export function releasePooledRings(): number {
  const released = pooledBytes;
  pool.clear();
  pooledBytes = 0;
  return released;
}

/** Bytes of free rings pooled in this thread. */
export function pooledRingBytes(): number {
  return pooledBytes;
}
