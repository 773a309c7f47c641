import { Buffer } from "node:buffer";
import { RunLengthChunk, StatusVectorChunk, type TransportWideCC } from "werift";

/** Packets remembered for feedback (a few hundred ms of sending at any realistic rate). */
const RING = 8192;

/** What a receiver's transport-wide feedback said about one packet we sent. */
export interface PacketResult {
  /** Extended (never wrapping) transport-wide sequence number. */
  seq: number;
  /** When we sent it (performance.now ms). */
  sentAt: number;
  /** Bytes on the wire (SRTP packet). */
  size: number;
  /** When it arrived, ms on the receiver's clock; NaN: reported lost. */
  arrival: number;
}

/** Sending and arrival rates of a run of packets (a probe cluster), bit/s. */
export interface ClusterRates {
  sendRate: number;
  receiveRate: number;
  received: number;
  lost: number;
}

/**
 * Transport-wide congestion control on the sending side (draft-holmer-rmcat-transport-wide-cc-
 * extensions-01): one sequence number space for every packet sent to one receiver, the send
 * time and size of each, and the receiver's feedback read back into arrival times. The 2-byte
 * header extension payload is one reused buffer.
 */
export class TransportCc {
  /** The header extension payload of the packet being sent (see {@link stamp}). */
  readonly extension = Buffer.alloc(2);
  private next = 0;
  private readonly seqs = new Float64Array(RING).fill(-1);
  private readonly sentAt = new Float64Array(RING);
  private readonly sizes = new Uint32Array(RING);
  private readonly arrivals = new Float64Array(RING);
  /** Per packet: 0 not reported, 1 reported lost, 2 reported received. */
  private readonly states = new Uint8Array(RING);
  /** Highest sequence number a feedback has reported on (-1: none yet). */
  highestReported = -1;

  /** Numbers the next packet (its number goes into {@link extension}); returns that number. */
  stamp(now: number): number {
    const seq = this.next++;
    const slot = seq % RING;
    this.seqs[slot] = seq;
    this.sentAt[slot] = now;
    this.sizes[slot] = 0;
    this.arrivals[slot] = NaN;
    this.states[slot] = 0;
    const extension = this.extension;
    extension[0] = seq >>> 8;
    extension[1] = seq;
    return seq;
  }

  /** Records the size of a stamped packet once it is encrypted. */
  sized(seq: number, bytes: number): void {
    const slot = seq % RING;
    if (this.seqs[slot] === seq) this.sizes[slot] = bytes;
  }

  /** The last number stamped (-1: none). */
  get lastStamped(): number {
    return this.next - 1;
  }

  /**
   * Reads one feedback message; calls `each` for every reported packet we still remember, in
   * sequence order. Malformed feedback (more deltas claimed than present) stops at the damage.
   */
  onFeedback(feedback: TransportWideCC, each: (result: PacketResult) => void): void {
    const latest = this.next - 1;
    if (latest < 0) return;
    // The 16-bit base refers to a packet already sent: the nearest such extended number.
    let seq = (latest - ((latest - feedback.baseSequenceNumber) & 0xffff));
    let time = feedback.referenceTime * 64; // ms
    let remaining = feedback.packetStatusCount;
    let delta = 0;
    const deltas = feedback.recvDeltas;
    const report = (status: number): boolean => {
      const received = status === 1 || status === 2;
      let arrival = NaN;
      if (received) {
        const d = deltas[delta++];
        if (!d) return false;
        time += d.delta / 1000;
        arrival = time;
      }
      this.record(seq, arrival, each);
      seq++;
      remaining--;
      return true;
    };
    for (const chunk of feedback.packetChunks) {
      if (remaining <= 0) break;
      if (chunk instanceof RunLengthChunk) {
        const n = Math.min(chunk.runLength, remaining);
        for (let i = 0; i < n; i++) if (!report(chunk.packetStatus)) return;
      } else if (chunk instanceof StatusVectorChunk) {
        for (const symbol of chunk.symbolList) {
          if (remaining <= 0) break;
          if (!report(symbol)) return;
        }
      }
    }
  }

  /** Send and arrival rates of the packets numbered `first..last` (all reported or given up on). */
  clusterRates(first: number, last: number): ClusterRates {
    let firstSent = Infinity;
    let firstSentSize = 0;
    let lastSent = -Infinity;
    let sentBytes = 0;
    let firstArrival = Infinity;
    let lastArrival = -Infinity;
    let firstArrivalSize = 0;
    let receivedBytes = 0;
    let received = 0;
    let lost = 0;
    for (let seq = Math.max(first, this.next - RING); seq <= last; seq++) {
      const slot = seq % RING;
      if (this.seqs[slot] !== seq) continue;
      const sent = this.sentAt[slot]!;
      const size = this.sizes[slot]!;
      if (sent < firstSent) {
        firstSent = sent;
        firstSentSize = size;
      }
      if (sent > lastSent) lastSent = sent;
      sentBytes += size;
      const arrival = this.arrivals[slot]!;
      if (Number.isNaN(arrival)) {
        lost++;
        continue;
      }
      received++;
      receivedBytes += size;
      if (arrival < firstArrival) {
        firstArrival = arrival;
        firstArrivalSize = size;
      }
      if (arrival > lastArrival) lastArrival = arrival;
    }
    // A rate over a span counts the bytes after its first packet (the first one opens the span).
    const sendSpan = Math.max(1, lastSent - firstSent);
    const receiveSpan = Math.max(1, lastArrival - firstArrival);
    return {
      sendRate: ((sentBytes - firstSentSize) * 8000) / sendSpan,
      receiveRate: received > 1 ? ((receivedBytes - firstArrivalSize) * 8000) / receiveSpan : 0,
      received,
      lost,
    };
  }

  private record(seq: number, arrival: number, each: (result: PacketResult) => void): void {
    if (seq > this.highestReported) this.highestReported = seq;
    if (seq < 0 || seq < this.next - RING) return;
    const slot = seq % RING;
    if (this.seqs[slot] !== seq) return;
    // Each packet is counted once as received; one reported lost may be received later.
    const state = Number.isNaN(arrival) ? 1 : 2;
    if (this.states[slot]! >= state) return;
    this.states[slot] = state;
    this.arrivals[slot] = arrival;
    each({ seq, sentAt: this.sentAt[slot]!, size: this.sizes[slot]!, arrival });
  }
}
