import { uint16Gt, type RtpPacket } from "werift";
import { sourceFingerprint } from "./weriftSource.js";

/** werift's per-SSRC receive statistics (media/receiver/statistics.ts; not exported). */
export interface StreamStats {
  base_seq?: number;
  max_seq?: number;
  cycles: number;
  packets_received: number;
  bytesReceived: number;
  headerBytesReceived: number;
  lastPacketReceivedTimestamp?: number;
  clockRate: number;
  jitter_q4: number;
  last_arrival?: number;
  last_timestamp?: number;
  add(packet: RtpPacket, now?: number): void;
}

/**
 * werift's `int` (`Number.parseInt(n, 10)`, i.e. through a decimal string) of a number. For
 * 1e-6 ≤ |n| < 1e21 that string is plain decimal, the shortest that reads back as n; its integer
 * part is n's (a shorter digit string ending at or past the next integer would read back as
 * that integer, which is representable there): Math.trunc. Other values (0, −0, tiny, huge,
 * NaN, ±Infinity) take werift's way.
 */
export function weriftInt(n: number): number {
  const a = Math.abs(n);
  return a >= 1e-6 && a < 1e21 ? Math.trunc(n) : Number.parseInt(String(n), 10);
}

/**
 * StreamStatistics.add as werift's (RFC 3550 A.1 sequence tracking and A.8 interarrival jitter,
 * with werift's own arithmetic), without the decimal string werift's `int` makes of the arrival
 * time on every packet: see {@link weriftInt}.
 */
export function addPacket(this: StreamStats, packet: RtpPacket, now: number = Date.now() / 1e3): void {
  const header = packet.header;
  const seq = header.sequenceNumber;
  const inOrder = this.max_seq == undefined || uint16Gt(seq, this.max_seq);
  this.packets_received++;
  this.bytesReceived += packet.payload.length;
  this.headerBytesReceived += header.serializeSize;
  this.lastPacketReceivedTimestamp = performance.timeOrigin + performance.now();
  if (this.base_seq == undefined) this.base_seq = seq;
  if (!inOrder) return;
  const arrival = weriftInt(now * this.clockRate);
  if (this.max_seq != undefined && seq < this.max_seq) this.cycles += 1 << 16;
  this.max_seq = seq;
  if (header.timestamp !== this.last_timestamp && this.packets_received > 1) {
    const diff = Math.abs(arrival - (this.last_arrival ?? 0) - (header.timestamp - (this.last_timestamp ?? 0)));
    this.jitter_q4 += diff - ((this.jitter_q4 + 8) >> 4);
  }
  this.last_arrival = arrival;
  this.last_timestamp = header.timestamp;
}

/**
 * werift 0.25's StreamStatistics.add ({@link sourceFingerprint}): {@link addPacket} replaces
 * only that one; another werift keeps its own.
 */
export const KNOWN_ADD = "b266708d55b405df";

const PATCHED = Symbol("confab.fastStreamStats");

/**
 * Replaces `add` on the prototype of werift's StreamStatistics (given one of its instances) with
 * {@link addPacket} when it is the known one. Returns whether the prototype now has it.
 */
export function patchStreamStats(stats: object): boolean {
  const proto = Object.getPrototypeOf(stats) as { add?: unknown; [PATCHED]?: boolean } | null;
  if (!proto) return false;
  if (proto[PATCHED] !== undefined) return proto[PATCHED];
  const known = sourceFingerprint(proto.add) === KNOWN_ADD;
  if (known) proto.add = addPacket;
  proto[PATCHED] = known;
  return known;
}
