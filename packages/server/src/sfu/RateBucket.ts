/** Which of a {@link RateBucket}'s two limits refused a packet. */
export type RateLimitKind = "bitrate" | "packetRate";

/**
 * A token bucket over packets and bytes at once (RFC 2697's single-rate idea, two token kinds):
 * a packet passes when one packet token and its size in byte tokens are left, and takes them.
 * Tokens are whole numbers refilled by {@link refill} from a periodic tick, never by reading a
 * clock per packet, so {@link take} is two comparisons and two subtractions with no allocation.
 * The bucket holds at most `burstMs` worth of each rate: the burst a publisher may send above
 * the rate (a keyframe, a retransmission burst) before packets are refused.
 */
export class RateBucket {
  /** Packet tokens left. */
  packets: number;
  /** Byte tokens left. */
  bytes: number;
  /** Packets refused for want of packet tokens, since created. */
  refusedByPackets = 0;
  /** Packets refused for want of byte tokens (packet tokens left), since created. */
  refusedByBytes = 0;
  private readonly maxPackets: number;
  private readonly maxBytes: number;
  /** Fractions of a token (in units of 1/1000) carried from one refill to the next. */
  private packetCarry = 0;
  private byteCarry = 0;

  /**
   * @param packetsPerSecond packet rate; whole packets per second, > 0.
   * @param bytesPerSecond byte rate; whole bytes per second, > 0.
   * @param burstMs how much of each rate the bucket holds when full (and holds at start), ms.
   */
  constructor(
    readonly packetsPerSecond: number,
    readonly bytesPerSecond: number,
    burstMs: number,
  ) {
    this.maxPackets = Math.max(1, Math.floor((packetsPerSecond * burstMs) / 1000));
    this.maxBytes = Math.max(1500, Math.floor((bytesPerSecond * burstMs) / 1000));
    this.packets = this.maxPackets;
    this.bytes = this.maxBytes;
  }

  /** Takes one packet of `size` bytes if the tokens are there; false (and counted) if not. */
  take(size: number): boolean {
    if (this.packets > 0 && this.bytes >= size) {
      this.packets--;
      this.bytes -= size;
      return true;
    }
    if (this.packets <= 0) this.refusedByPackets++;
    else this.refusedByBytes++;
    return false;
  }

  /** Adds the tokens `elapsedMs` (whole ms, ≥ 0) earn, up to the burst. */
  refill(elapsedMs: number): void {
    if (elapsedMs <= 0) return;
    const p = this.packetsPerSecond * elapsedMs + this.packetCarry;
    const b = this.bytesPerSecond * elapsedMs + this.byteCarry;
    this.packetCarry = p % 1000;
    this.byteCarry = b % 1000;
    this.packets = Math.min(this.maxPackets, this.packets + (p - this.packetCarry) / 1000);
    this.bytes = Math.min(this.maxBytes, this.bytes + (b - this.byteCarry) / 1000);
  }
}
