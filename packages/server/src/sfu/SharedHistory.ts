import type { PacketRing } from "./PacketRing.js";
import type { KeptPayload } from "./TrackLayer.js";

/** Bytes of a payload a receiver's copy may differ in from its layer's (PictureID: 2, TL0PICIDX: 1). */
export const PATCHES = 3;

/**
 * One receiver's retransmission history of payloads its layer keeps for every receiver
 * (`TrackLayer.payloads`): per slot, that ring, where in it, the length, and the up to
 * {@link PATCHES} bytes this receiver's copy differs in (a simulcast stream's PictureID and
 * TL0PICIDX, rewritten per receiver). A copy per receiver was 30 copies of every packet at a
 * fan-out of 30.
 */
export class SharedHistory {
  private readonly rings: (PacketRing | undefined)[];
  private readonly positions: Float64Array;
  private readonly lengths: Uint16Array;
  private readonly patchAt: Int32Array;
  private readonly patch: Uint8Array;

  constructor(slots: number) {
    this.rings = new Array<PacketRing | undefined>(slots).fill(undefined);
    this.positions = new Float64Array(slots);
    this.lengths = new Uint16Array(slots);
    this.patchAt = new Int32Array(slots * PATCHES).fill(-1);
    this.patch = new Uint8Array(slots * PATCHES);
  }

  /**
   * Remembers `payload` in `slot` as kept in `kept`, with the bytes at `patch0`–`patch2` (-1:
   * none) as they are in `payload` now. Returns false, remembering nothing, when `kept` does
   * not hold a payload of that length.
   */
  remember(slot: number, kept: KeptPayload | undefined, payload: Buffer, patch0: number, patch1: number, patch2: number): boolean {
    if (kept === undefined || kept.ring === undefined || kept.position < 0 || kept.length !== payload.length) {
      this.rings[slot] = undefined;
      return false;
    }
    this.rings[slot] = kept.ring;
    this.positions[slot] = kept.position;
    this.lengths[slot] = kept.length;
    const at = slot * PATCHES;
    this.keepByte(at, patch0, payload);
    this.keepByte(at + 1, patch1, payload);
    this.keepByte(at + 2, patch2, payload);
    return true;
  }

  /** Whether `slot` is remembered here (else the caller keeps its own copy). */
  has(slot: number): boolean {
    return this.rings[slot] !== undefined;
  }

  /** A copy of `slot`'s payload as this receiver had it, or undefined (not here, or overwritten in its ring since). */
  copy(slot: number): Buffer | undefined {
    const ring = this.rings[slot];
    if (!ring) return undefined;
    const copy = ring.copyAt(this.positions[slot]!, this.lengths[slot]!);
    if (!copy) return undefined;
    for (let i = slot * PATCHES; i < (slot + 1) * PATCHES; i++) {
      const offset = this.patchAt[i]!;
      if (offset >= 0) copy[offset] = this.patch[i]!;
    }
    return copy;
  }

  /** Forgets every slot (and lets go of the rings). */
  clear(): void {
    this.rings.fill(undefined);
  }

  private keepByte(at: number, offset: number, payload: Buffer): void {
    const valid = offset >= 0 && offset < payload.length;
    this.patchAt[at] = valid ? offset : -1;
    if (valid) this.patch[at] = payload[offset]!;
  }
}
