/**
 * The receiving side of transport-wide congestion control
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01), as a browser does it: arrival times of
 * the transport-wide sequence numbers, reported in one feedback message per interval (Chrome's
 * RemoteEstimatorProxy: every 50–250 ms, 50 at media rates).
 *
 * Bots use it instead of werift's receiver, which sends a feedback for every 11 packets and
 * writes it 33 bytes long (its length field rounds down instead of padding to 32 bits), so the
 * SFU drops each one as malformed: 90 undecodable RTCP packets a second per bot, a load no
 * browser puts on a server.
 */

/** Feedback is sent this often, ms. */
export const TWCC_FEEDBACK_INTERVAL_MS = 50;
/** Sequence numbers kept (arrival slots); far more than one interval holds. */
const RING = 0x10000;
/** RTCP transport-layer feedback (RFC 4585 §6.1), FMT 15: transport-wide CC. */
const RTPFB = 205;
const TWCC_FMT = 15;
/** Status symbols (§3.1.1). */
const NOT_RECEIVED = 0;
const SMALL_DELTA = 1;
const LARGE_DELTA = 2;
/** Deltas are in 250 µs ticks; the reference time in 64 ms units. */
const TICK_MS = 0.25;
const MAX_RUN = 0x1fff;
/** Packets reported in one message at most (a longer gap starts a new report). */
const MAX_STATUS = 0xffff;

/** Records arrivals and writes transport-wide feedback messages. */
export class TwccFeedback {
  /** Arrival (ms, the caller's clock) per 16-bit sequence number; NaN: not received. */
  private readonly arrivals = new Float64Array(RING).fill(NaN);
  /** First sequence number (extended) not yet reported; -1: nothing received yet. */
  private base = -1;
  /** Highest extended sequence number received. */
  private highest = -1;
  private feedbackCount = 0;
  /** Arrivals recorded so far. */
  packetsRecorded = 0;

  constructor(
    /** SSRC of the reporting receiver (RTCP sender SSRC). */
    private readonly senderSsrc: number,
  ) {}

  /** Records that the packet with transport-wide number `seq` (16 bits) arrived at `now` ms. */
  onPacket(seq: number, now: number): void {
    this.packetsRecorded++;
    const extended = this.extend(seq & 0xffff);
    if (this.base < 0) this.base = extended;
    if (extended < this.base) return; // already reported lost; a browser would report it again, rarely matters
    this.arrivals[extended & 0xffff] = now;
    if (extended > this.highest) this.highest = extended;
  }

  /**
   * One feedback RTCP packet (unencrypted) on everything received since the last one, or
   * undefined when nothing new arrived. `mediaSsrc`: the SSRC the feedback is about (any of
   * the sender's; the numbering is per transport).
   */
  build(mediaSsrc: number): Buffer | undefined {
    if (this.base < 0 || this.highest < this.base) return undefined;
    const base = this.base;
    const count = Math.min(this.highest - base + 1, MAX_STATUS);
    // The reference time is the first arrival's, rounded down to 64 ms.
    let first = NaN;
    for (let s = base; s < base + count && Number.isNaN(first); s++) first = this.arrivals[s & 0xffff]!;
    const reference = Math.floor(first / 64);
    const symbols = new Uint8Array(count);
    const deltas: number[] = [];
    let deltaBytes = 0;
    let previous = reference * 64;
    for (let i = 0; i < count; i++) {
      const slot = (base + i) & 0xffff;
      const arrival = this.arrivals[slot]!;
      this.arrivals[slot] = NaN;
      if (Number.isNaN(arrival)) {
        symbols[i] = NOT_RECEIVED;
        continue;
      }
      const ticks = Math.round((arrival - previous) / TICK_MS);
      previous += ticks * TICK_MS;
      symbols[i] = ticks >= 0 && ticks <= 0xff ? SMALL_DELTA : LARGE_DELTA;
      deltaBytes += symbols[i] === SMALL_DELTA ? 1 : 2;
      deltas.push(Math.max(-0x8000, Math.min(0x7fff, ticks)));
    }
    const chunks: number[] = [];
    for (let i = 0; i < count; ) {
      let run = 1;
      while (i + run < count && run < MAX_RUN && symbols[i + run] === symbols[i]) run++;
      chunks.push((symbols[i]! << 13) | run); // run-length chunk: T=0, symbol, 13-bit length
      i += run;
    }
    const bodyLength = 8 + 8 + chunks.length * 2 + deltaBytes;
    const padded = Math.ceil(bodyLength / 4) * 4;
    const out = Buffer.alloc(4 + padded);
    const padding = padded - bodyLength;
    // RFC 3550 §6.4: V=2, P when padded, FMT; length in 32-bit words minus one.
    out[0] = 0x80 | (padding > 0 ? 0x20 : 0) | TWCC_FMT;
    out[1] = RTPFB;
    out.writeUInt16BE(out.length / 4 - 1, 2);
    out.writeUInt32BE(this.senderSsrc >>> 0, 4);
    out.writeUInt32BE(mediaSsrc >>> 0, 8);
    out.writeUInt16BE(base & 0xffff, 12);
    out.writeUInt16BE(count, 14);
    out.writeUIntBE(reference & 0xffffff, 16, 3);
    out[19] = this.feedbackCount++ & 0xff;
    let at = 20;
    for (const c of chunks) at = out.writeUInt16BE(c, at);
    let d = 0;
    for (let i = 0; i < count; i++) {
      if (symbols[i] === SMALL_DELTA) out[at++] = deltas[d++]!;
      else if (symbols[i] === LARGE_DELTA) at = out.writeInt16BE(deltas[d++]!, at);
    }
    if (padding > 0) out[out.length - 1] = padding;
    this.base = base + count;
    return out;
  }

  /** The extended sequence number nearest the highest seen. */
  private extend(seq: number): number {
    if (this.highest < 0) return seq;
    const diff = ((seq - (this.highest & 0xffff) + 0x8000) & 0xffff) - 0x8000;
    return this.highest + diff;
  }
}
