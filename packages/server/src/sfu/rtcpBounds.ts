import { RtcpPacketConverter, type RtcpPacket } from "werift";

/** RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1). */
const SR = 200;
const RR = 201;
const RTPFB = 205;
const PSFB = 206;
/** RTPFB FMT of transport-wide feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1). */
const TWCC_FMT = 15;

/** Most RTCP packets in one compound packet (browsers send two to five). */
export const MAX_RTCP_PACKETS = 64;

/**
 * Most packets one transport-wide feedback may report on. A browser reports every 50–250 ms
 * on the packets received since its last report (a few hundred at video rates); statuses of
 * lost packets cost no bytes (one 2-byte run-length chunk says 8191 of them), and werift
 * expands every status into an object, so without this bound 36 bytes cost 3.5 ms of CPU.
 */
export const MAX_TWCC_STATUSES = 4096;

type Deserialize = (data: Buffer) => RtcpPacket[];

/** werift's own compound parser, kept for tests and for the bounded one to call per packet. */
export const weriftRtcpDeserialize: Deserialize = RtcpPacketConverter.deSerialize.bind(RtcpPacketConverter);

/**
 * Why a transport-wide feedback payload (everything after the 4-byte RTCP header, padding
 * removed) is malformed, or undefined: its chunks must fit in the packet and describe at most
 * `packet status count` statuses (a run never longer than what is left to describe), and its
 * receive deltas must fit after them. Walks the chunks once; allocates nothing.
 */
export function twccProblem(payload: Buffer): string | undefined {
  if (payload.length < 16) return "transport-wide feedback shorter than 16 bytes";
  const count = payload.readUInt16BE(10);
  if (count > MAX_TWCC_STATUSES) return `transport-wide feedback reports on more than ${MAX_TWCC_STATUSES} packets`;
  let pos = 16;
  let described = 0;
  let deltaBytes = 0;
  while (described < count) {
    if (pos + 2 > payload.length) return "transport-wide feedback chunks run past the packet";
    const chunk = payload.readUInt16BE(pos);
    pos += 2;
    if ((chunk & 0x8000) === 0) {
      // Run-length chunk: 2-bit status, 13-bit run length.
      const status = (chunk >> 13) & 0x3;
      const run = chunk & 0x1fff;
      if (run > count - described) return "a run-length chunk runs past the packet status count";
      if (status === 1) deltaBytes += run;
      else if (status === 2) deltaBytes += 2 * run;
      described += run;
    } else if ((chunk & 0x4000) === 0) {
      // Status vector of 14 one-bit symbols: 1 = received, small delta.
      for (let bit = 13; bit >= 0; bit--) deltaBytes += (chunk >> bit) & 1;
      described += 14;
    } else {
      // Status vector of 7 two-bit symbols: 1 = small delta (1 byte), 2 = large delta (2 bytes).
      for (let shift = 12; shift >= 0; shift -= 2) {
        const symbol = (chunk >> shift) & 0x3;
        if (symbol === 1) deltaBytes += 1;
        else if (symbol === 2) deltaBytes += 2;
      }
      described += 7;
    }
  }
  if (pos + deltaBytes > payload.length) return "transport-wide feedback receive deltas run past the packet";
  return undefined;
}

/**
 * Why a decrypted RTCP compound packet (RFC 3550 §6.1) is malformed, or undefined. Each
 * packet's length field must fit in what is left, with the room its type needs for what its
 * count claims (SR and RR report blocks, RFC 4585 §6.1 feedback's two SSRCs), and transport-wide
 * feedback must be well formed ({@link twccProblem}).
 */
export function rtcpProblem(data: Buffer): string | undefined {
  let pos = 0;
  let packets = 0;
  while (pos < data.length) {
    if (++packets > MAX_RTCP_PACKETS) return `more than ${MAX_RTCP_PACKETS} packets in one compound packet`;
    if (data.length - pos < 4) return "RTCP header cut short";
    const first = data[pos]!;
    if (first >> 6 !== 2) return "RTCP version is not 2";
    const count = first & 0x1f;
    const type = data[pos + 1]!;
    const size = (data.readUInt16BE(pos + 2) + 1) * 4;
    if (pos + size > data.length) return "RTCP length runs past the packet";
    let payload = data.subarray(pos + 4, pos + size);
    if (first & 0x20) payload = payload.subarray(0, Math.max(0, payload.length - payload[payload.length - 1]!));
    if (type === SR && payload.length < 24 + 24 * count) return "sender report shorter than its report count";
    if (type === RR && payload.length < 4 + 24 * count) return "receiver report shorter than its report count";
    if ((type === RTPFB || type === PSFB) && payload.length < 8) return "feedback shorter than its two SSRCs";
    if (type === RTPFB && count === TWCC_FMT) {
      const problem = twccProblem(payload);
      if (problem) return problem;
    }
    pos += size;
  }
  return undefined;
}

/**
 * Parses a decrypted RTCP compound packet as werift does, bounded: a malformed one
 * ({@link rtcpProblem}) throws a RangeError (werift's transport catches it and drops the
 * packet), and each packet is given to werift's parser alone. werift hands every packet all the
 * bytes after its header instead of its own length's worth, so a compound packet of many short
 * packets cost quadratic time: 1 400 bytes of empty REMB headers took 200 ms, 64 KiB 17 s.
 */
export function parseRtcpBounded(data: Buffer): RtcpPacket[] {
  const problem = rtcpProblem(data);
  if (problem) throw new RangeError(problem);
  const out: RtcpPacket[] = [];
  let pos = 0;
  while (pos < data.length) {
    const size = (data.readUInt16BE(pos + 2) + 1) * 4;
    for (const packet of weriftRtcpDeserialize(data.subarray(pos, pos + size))) out.push(packet);
    pos += size;
  }
  return out;
}

let installed = false;

/** Makes werift parse every RTCP packet it receives in this thread with {@link parseRtcpBounded}. Idempotent. */
export function installRtcpBounds(): void {
  if (installed) return;
  installed = true;
  (RtcpPacketConverter as unknown as { deSerialize: Deserialize }).deSerialize = parseRtcpBounded;
}
