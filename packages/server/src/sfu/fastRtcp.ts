import { RecvDelta, RtcpHeader, RunLengthChunk, StatusVectorChunk, TransportWideCC } from "werift";

type Parse<T> = (data: Buffer, header?: RtcpHeader) => T;

/** werift's own parsers, kept for the differential tests. */
export const weriftRtcpParsers = {
  header: RtcpHeader.deSerialize.bind(RtcpHeader) as Parse<RtcpHeader>,
  runLength: RunLengthChunk.deSerialize.bind(RunLengthChunk) as Parse<RunLengthChunk>,
  statusVector: StatusVectorChunk.deSerialize.bind(StatusVectorChunk) as Parse<StatusVectorChunk>,
  transportWideCc: TransportWideCC.deSerialize.bind(TransportWideCC) as Parse<TransportWideCC>,
};

/**
 * werift reads an RTCP header's and a transport-wide feedback's bit fields with `getBit`, which
 * turns the byte into a string of binary digits, splits it into an array, pads, slices, joins
 * and parses it back, per field: three per RTCP packet, up to fifteen per two-byte status chunk,
 * and it slices a new Buffer for every chunk and every arrival delta. A receiver's feedback
 * reports ~50 packets every 50 ms, so this was most of the SFU's cost of reading its receivers'
 * RTCP. These parsers give the same objects (werift's classes, field for field, with the same
 * results and the same exceptions for truncated input) with shifts and masks and no slices.
 */
export function parseRtcpHeader(buf: Buffer): RtcpHeader {
  // werift's bufferReader: readUIntBE throws a RangeError on a buffer shorter than 4 bytes.
  const length = buf.readUInt16BE(2);
  const first = buf[0]!;
  return new RtcpHeader({ version: first >> 6, padding: ((first >> 5) & 1) > 0, count: first & 0x1f, type: buf[1]!, length });
}

/** The byte `getBit` would read: it throws a TypeError on `undefined` (past the end). */
function byteAt(data: Buffer, at: number): number {
  const value = data[at];
  if (value === undefined) throw new TypeError("RTCP field past the end of the packet");
  return value;
}

/** RFC 8888-style run-length chunk of draft-holmer-rmcat-transport-wide-cc-extensions §3.1.3, as werift reads it at `at`. */
function runLengthAt(data: Buffer, at: number): RunLengthChunk {
  const first = byteAt(data, at);
  // A missing second byte makes werift's run length NaN (undefined added): the same here.
  const runLength = ((first & 0x1f) << 8) + (data[at + 1] as number);
  return new RunLengthChunk({ type: 0, packetStatus: (first >> 5) & 3, runLength } as never);
}

/** Status vector chunk (§3.1.4), as werift reads it at `at`. */
function statusVectorAt(data: Buffer, at: number): StatusVectorChunk {
  const first = byteAt(data, at);
  const symbolSize = (first >> 6) & 1;
  const second = byteAt(data, at + 1);
  const symbolList: number[] = [];
  if (symbolSize === 0) {
    for (let i = 0; i < 6; i++) symbolList.push((first >> (5 - i)) & 1);
    for (let i = 0; i < 8; i++) symbolList.push((second >> (7 - i)) & 1);
  } else {
    for (let i = 0; i < 3; i++) symbolList.push((first >> (4 - 2 * i)) & 3);
    for (let i = 0; i < 4; i++) symbolList.push((second >> (6 - 2 * i)) & 3);
  }
  return new StatusVectorChunk({ type: 1, symbolSize, symbolList } as never);
}

export function parseRunLengthChunk(data: Buffer): RunLengthChunk {
  return runLengthAt(data, 0);
}

export function parseStatusVectorChunk(data: Buffer): StatusVectorChunk {
  return statusVectorAt(data, 0);
}

const SMALL = 1;
const LARGE = 2;

/**
 * A transport-wide feedback (its FCI after the RTCP header), as werift's
 * `TransportWideCC.deSerialize` reads it: the same chunks, arrival deltas and fields, and the
 * same exceptions, including werift's reading of a large delta cut to one byte at the end as a
 * small one. One bound werift lacks: more received packets than the packet has bytes is refused
 * before their objects are made (werift failed on the same packet only after making an object
 * for each of up to 65 535 claimed packets).
 */
export function parseTransportWideCc(data: Buffer, header?: RtcpHeader): TransportWideCC {
  const senderSsrc = data.readUIntBE(0, 4);
  const mediaSourceSsrc = data.readUIntBE(4, 4);
  const baseSequenceNumber = data.readUIntBE(8, 2);
  const packetStatusCount = data.readUIntBE(10, 2);
  const referenceTime = data.readUIntBE(12, 3);
  const fbPktCount = data.readUIntBE(15, 1);
  const packetChunks: (RunLengthChunk | StatusVectorChunk)[] = [];
  const recvDeltas: RecvDelta[] = [];
  let at = 16;
  for (let processed = 0; processed < packetStatusCount; ) {
    if ((byteAt(data, at) & 0x80) === 0) {
      const chunk = runLengthAt(data, at);
      const count = Math.min(packetStatusCount - processed, chunk.runLength);
      if (chunk.packetStatus === SMALL || chunk.packetStatus === LARGE) {
        if (recvDeltas.length + count > data.length) throw tooManyPackets();
        for (let i = 0; i < count; i++) recvDeltas.push(new RecvDelta({ type: chunk.packetStatus }));
      }
      processed += count;
      packetChunks.push(chunk);
    } else {
      const chunk = statusVectorAt(data, at);
      for (const symbol of chunk.symbolList) {
        if (symbol === SMALL || (chunk.symbolSize === 1 && symbol === LARGE)) recvDeltas.push(new RecvDelta({ type: symbol }));
      }
      processed += chunk.symbolList.length;
      packetChunks.push(chunk);
    }
    at += 2;
    // Every delta takes a byte at least: werift would fail reading them (see above).
    if (recvDeltas.length > data.length) throw tooManyPackets();
  }
  for (const delta of recvDeltas) {
    // werift reads each delta from a slice of 1 (small) or 2 (large) bytes, cut at the end.
    const available = Math.min(delta.type === SMALL ? 1 : 2, Math.max(0, data.length - at));
    if (available === 1) delta.delta = 250 * data[at]!;
    else if (available === 2) delta.delta = 250 * data.readInt16BE(at);
    else throw new Error("transport-wide feedback ends before its deltas");
    at += delta.type === SMALL ? 1 : 2;
  }
  return new TransportWideCC({
    senderSsrc,
    mediaSourceSsrc,
    baseSequenceNumber,
    packetStatusCount,
    referenceTime,
    fbPktCount,
    recvDeltas,
    packetChunks,
    header,
  } as never);
}

function tooManyPackets(): RangeError {
  return new RangeError("transport-wide feedback claims more received packets than it has bytes for their deltas");
}

let installed = false;

/** Makes werift read RTCP headers and transport-wide feedback with these parsers in this thread. Idempotent. */
export function installFastRtcp(): void {
  if (installed) return;
  installed = true;
  (RtcpHeader as unknown as { deSerialize: Parse<RtcpHeader> }).deSerialize = parseRtcpHeader;
  (RunLengthChunk as unknown as { deSerialize: Parse<RunLengthChunk> }).deSerialize = parseRunLengthChunk;
  (StatusVectorChunk as unknown as { deSerialize: Parse<StatusVectorChunk> }).deSerialize = parseStatusVectorChunk;
  (TransportWideCC as unknown as { deSerialize: Parse<TransportWideCC> }).deSerialize = parseTransportWideCc;
}
