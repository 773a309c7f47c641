import fc from "fast-check";
import { RtcpHeader, RtcpPacketConverter, TransportWideCC } from "werift";
import { describe, expect, it } from "vitest";
import {
  installFastRtcp,
  parseRtcpHeader,
  parseRunLengthChunk,
  parseStatusVectorChunk,
  parseTransportWideCc,
  weriftRtcpParsers,
} from "./fastRtcp.js";

/** What a parser did with `data`: its result, or that it threw. */
function outcome<T>(parse: (data: Buffer) => T, data: Buffer): { value: T } | { threw: true } {
  try {
    return { value: parse(data) };
  } catch {
    return { threw: true };
  }
}

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));

/**
 * A well-formed transport-wide feedback FCI (draft-holmer-rmcat-transport-wide-cc-extensions-01
 * §3.1) for `statuses` (0 not received, 1 small delta, 2 large delta), encoded here without
 * werift: runs of one status as run-length chunks, the rest as 2-bit status vector chunks.
 */
function feedbackFci(statuses: number[], smallDeltas: number[], largeDeltas: number[], base: number): Buffer {
  const head = Buffer.alloc(16);
  head.writeUInt32BE(0x11223344, 0);
  head.writeUInt32BE(0xc0ffee01, 4);
  head.writeUInt16BE(base, 8);
  head.writeUInt16BE(statuses.length, 10);
  head.writeUIntBE(0x123456, 12, 3);
  head[15] = 7;
  const chunks: number[] = [];
  for (let i = 0; i < statuses.length; ) {
    let run = 1;
    while (i + run < statuses.length && statuses[i + run] === statuses[i] && run < 8191) run++;
    if (run >= 7) {
      chunks.push((statuses[i]! << 13) | run);
      i += run;
    } else {
      let word = 0x8000 | 0x4000;
      for (let k = 0; k < 7; k++) word |= (statuses[i + k] ?? 0) << (12 - 2 * k);
      chunks.push(word);
      i += 7;
    }
  }
  const chunkBytes = Buffer.alloc(chunks.length * 2);
  chunks.forEach((c, k) => chunkBytes.writeUInt16BE(c, 2 * k));
  const deltas: Buffer[] = [];
  let small = 0;
  let large = 0;
  for (const status of statuses) {
    if (status === 1) deltas.push(Buffer.from([smallDeltas[small++ % smallDeltas.length]!]));
    if (status === 2) {
      const d = Buffer.alloc(2);
      d.writeInt16BE(largeDeltas[large++ % largeDeltas.length]!, 0);
      deltas.push(d);
    }
  }
  return Buffer.concat([head, chunkBytes, ...deltas]);
}

const feedbackArb = fc
  .tuple(
    fc.array(fc.constantFrom(0, 1, 1, 1, 2), { maxLength: 300 }),
    fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 20 }),
    fc.array(fc.integer({ min: -32768, max: 32767 }), { minLength: 1, maxLength: 20 }),
    fc.integer({ min: 0, max: 0xffff }),
  )
  .map(([statuses, small, large, base]) => feedbackFci(statuses, small, large, base));

describe("fastRtcp", () => {
  it("reads RTCP headers as werift does, for any bytes", () => {
    fc.assert(
      fc.property(bytes(8), (data) => {
        expect(outcome(parseRtcpHeader, data)).toStrictEqual(outcome(weriftRtcpParsers.header, data));
      }),
    );
  });

  it("reads run-length and status vector chunks as werift does, for any bytes", () => {
    fc.assert(
      fc.property(bytes(3), (data) => {
        expect(outcome(parseRunLengthChunk, data)).toStrictEqual(outcome(weriftRtcpParsers.runLength, data));
        expect(outcome(parseStatusVectorChunk, data)).toStrictEqual(outcome(weriftRtcpParsers.statusVector, data));
      }),
    );
  });

  it("reads well-formed transport-wide feedback as werift does: every chunk, status and delta", () => {
    fc.assert(
      fc.property(feedbackArb, (data) => {
        expect(parseTransportWideCc(data)).toStrictEqual(weriftRtcpParsers.transportWideCc(data));
      }),
      { numRuns: 300 },
    );
  });

  it("gives werift's result or failure for cut, damaged and random feedback", () => {
    const cut = fc.tuple(feedbackArb, fc.nat()).map(([data, n]) => data.subarray(0, n % (data.length + 1)));
    const damaged = fc.tuple(feedbackArb, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([data, at, value]) => {
      const copy = Buffer.from(data);
      if (copy.length > 0) copy[at % copy.length] = value;
      return copy;
    });
    // Random bytes behind a header claiming a few packets (werift turns a large count into one
    // object per claimed packet before failing, which this test need not wait for).
    const random = fc.tuple(bytes(60), fc.integer({ min: 0, max: 40 })).map(([tail, count]) => {
      const head = Buffer.alloc(16);
      head.writeUInt16BE(count, 10);
      return Buffer.concat([head, tail]);
    });
    fc.assert(
      fc.property(fc.oneof(cut, damaged, random), (data) => {
        // Feedback claiming more received packets than it has bytes fails earlier here than in
        // werift, but fails in both.
        expect(outcome(parseTransportWideCc, data)).toStrictEqual(outcome(weriftRtcpParsers.transportWideCc, data));
      }),
      { numRuns: 1000 },
    );
  });

  it("refuses feedback claiming 65 535 received packets and carrying a few bytes with a RangeError (werift fails on it too)", () => {
    const head = Buffer.alloc(16);
    head.writeUInt16BE(0xffff, 10);
    // Run-length chunks of 8191 packets received with small deltas, then 4 bytes of deltas.
    const chunks = Buffer.alloc(16);
    for (let i = 0; i < 8; i++) chunks.writeUInt16BE((1 << 13) | 8191, 2 * i);
    const data = Buffer.concat([head, chunks, Buffer.alloc(4)]);
    expect(() => parseTransportWideCc(data)).toThrow(RangeError);
    expect(() => weriftRtcpParsers.transportWideCc(data)).toThrow();
  });

  it("is what werift's RTCP parsing uses once installed, for a compound packet with feedback", () => {
    installFastRtcp();
    const fci = feedbackFci([1, 1, 0, 2, 1, 1, 1, 1, 1, 1], [4, 8], [-300], 100);
    const header = Buffer.alloc(4);
    header[0] = 0x80 | 15;
    header[1] = 205;
    header.writeUInt16BE(Math.ceil(fci.length / 4), 2);
    const packet = Buffer.concat([header, fci, Buffer.alloc(Math.ceil(fci.length / 4) * 4 - fci.length)]);
    const [parsed] = RtcpPacketConverter.deSerialize(packet) as { feedback: TransportWideCC; header: RtcpHeader }[];
    expect(RtcpHeader.deSerialize).toBe(parseRtcpHeader);
    expect(TransportWideCC.deSerialize).toBe(parseTransportWideCc);
    expect(parsed!.feedback).toBeInstanceOf(TransportWideCC);
    expect(parsed!.feedback.baseSequenceNumber).toBe(100);
    expect(parsed!.feedback.recvDeltas.map((d) => d.delta)).toEqual([1000, 2000, -75000, 1000, 2000, 1000, 2000, 1000, 2000]);
  });
});
