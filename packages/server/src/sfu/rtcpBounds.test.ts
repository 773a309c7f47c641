import {
  GenericNack,
  PictureLossIndication,
  ReceiverEstimatedMaxBitrate,
  RtcpPacketConverter,
  RtcpPayloadSpecificFeedback,
  RtcpReceiverInfo,
  RtcpRrPacket,
  RtcpTransportLayerFeedback,
  RunLengthChunk,
  RecvDelta,
  StatusVectorChunk,
  TransportWideCC,
  PacketStatus,
} from "werift";
import { describe, expect, it } from "vitest";
import { MAX_TWCC_STATUSES, installRtcpBounds, parseRtcpBounded, rtcpProblem, weriftRtcpDeserialize } from "./rtcpBounds.js";

/** A compound packet as browsers send them: RR, NACK, PLI, REMB, transport-wide feedback. */
function browserCompound(): Buffer {
  const rr = new RtcpRrPacket({ ssrc: 1, reports: [new RtcpReceiverInfo({ ssrc: 2, fractionLost: 3, packetsLost: 4, highestSequence: 5, jitter: 6, lsr: 7, dlsr: 8 })] });
  const nack = new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: 1, mediaSourceSsrc: 2, lost: [10, 11, 13] }) });
  const pli = new RtcpPayloadSpecificFeedback({ feedback: new PictureLossIndication({ senderSsrc: 1, mediaSsrc: 2 }) });
  const remb = new RtcpPayloadSpecificFeedback({ feedback: new ReceiverEstimatedMaxBitrate({ senderSsrc: 1, mediaSsrc: 0, brExp: 4, brMantissa: 50_000, ssrcNum: 1, ssrcFeedbacks: [2] }) });
  const twcc = new RtcpTransportLayerFeedback({
    feedback: new TransportWideCC({
      senderSsrc: 1,
      mediaSourceSsrc: 2,
      baseSequenceNumber: 100,
      packetStatusCount: 17,
      referenceTime: 5,
      fbPktCount: 1,
      packetChunks: [
        new RunLengthChunk({ packetStatus: PacketStatus.TypeTCCPacketReceivedSmallDelta, runLength: 3 }),
        new StatusVectorChunk({ symbolSize: 0, symbolList: [1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1] }),
      ],
      recvDeltas: Array.from({ length: 16 }, () => new RecvDelta({ type: PacketStatus.TypeTCCPacketReceivedSmallDelta, delta: 250 })),
    }),
  });
  return Buffer.concat([rr, nack, pli, remb, twcc].map((p) => p.serialize()));
}

/** Transport-wide feedback of `chunks` (raw 16-bit chunk words) with `count` statuses and no deltas. */
function twccWith(count: number, chunks: number[]): Buffer {
  const body = Buffer.alloc(16 + Math.ceil(chunks.length / 2) * 4);
  body.writeUInt16BE(count, 10);
  chunks.forEach((c, i) => body.writeUInt16BE(c, 16 + i * 2));
  const header = Buffer.from([0x80 | 15, 205, 0, 0]);
  header.writeUInt16BE(body.length / 4, 2);
  return Buffer.concat([header, body]);
}

describe("bounded RTCP parsing", () => {
  it("parses a browser's compound packet as werift parses each of its packets alone", () => {
    const raw = browserCompound();
    expect(rtcpProblem(raw)).toBeUndefined();
    const alone: unknown[] = [];
    for (let pos = 0; pos < raw.length; ) {
      const size = (raw.readUInt16BE(pos + 2) + 1) * 4;
      alone.push(...weriftRtcpDeserialize(raw.subarray(pos, pos + size)));
      pos += size;
    }
    expect(parseRtcpBounded(raw)).toEqual(alone);
    expect(parseRtcpBounded(raw).map((p) => p.type)).toEqual([201, 205, 206, 206, 205]);
  });

  it("reads a NACK inside a compound packet as its own lost packets only (werift read the packets after it as more lost sequence numbers)", () => {
    const raw = browserCompound();
    const nack = parseRtcpBounded(raw)[1] as RtcpTransportLayerFeedback;
    expect((nack.feedback as GenericNack).lost).toEqual([10, 11, 13]);
    const weriftNack = weriftRtcpDeserialize(raw)[1] as RtcpTransportLayerFeedback;
    expect((weriftNack.feedback as GenericNack).lost.length).toBeGreaterThan(3);
  });

  it("refuses 36 bytes of transport-wide feedback claiming 65 535 received packets (werift built 65 535 objects, 3.5 ms)", () => {
    const runsOf8191Received = Array.from({ length: 8 }, () => 0x2000 | 8191);
    const hostile = twccWith(65_535, runsOf8191Received);
    expect(hostile.length).toBe(36);
    expect(() => parseRtcpBounded(hostile)).toThrow(RangeError);
    // Within the status bound but with no room for the receive deltas it claims.
    expect(rtcpProblem(twccWith(MAX_TWCC_STATUSES, [0x2000 | MAX_TWCC_STATUSES]))).toMatch(/deltas/);
    // A run longer than the packet status count.
    expect(rtcpProblem(twccWith(10, [0x0000 | 8191]))).toMatch(/run-length/);
  });

  it("parses a compound packet of many short packets in linear time (werift gave each all the bytes after it: 1 400 bytes of REMB headers cost 200 ms)", () => {
    const emptyRembs = Buffer.alloc(1400);
    for (let i = 0; i < emptyRembs.length; i += 4) emptyRembs.set([0x8f, 206, 0, 0], i);
    expect(() => parseRtcpBounded(emptyRembs)).toThrow(RangeError);
    // 60 REMBs without SSRC feedback: each sees only its own body, none reads its neighbours as SSRCs.
    const remb = new RtcpPayloadSpecificFeedback({ feedback: new ReceiverEstimatedMaxBitrate({ senderSsrc: 1, mediaSsrc: 0, brExp: 4, brMantissa: 50_000, ssrcNum: 0, ssrcFeedbacks: [] }) }).serialize();
    const sixty = Buffer.concat(Array.from({ length: 60 }, () => remb));
    const packets = parseRtcpBounded(sixty);
    expect(packets.length).toBe(60);
    const ssrcsRead = packets.reduce((n, p) => n + ((p as RtcpPayloadSpecificFeedback).feedback as ReceiverEstimatedMaxBitrate).ssrcFeedbacks.length, 0);
    expect(ssrcsRead).toBe(0);
    const weriftSsrcsRead = weriftRtcpDeserialize(sixty).reduce((n, p) => n + ((p as RtcpPayloadSpecificFeedback).feedback as ReceiverEstimatedMaxBitrate).ssrcFeedbacks.length, 0);
    expect(weriftSsrcsRead).toBeGreaterThan(1000);
  });

  it("refuses report counts the packet has no room for, lengths past the end and other versions", () => {
    const rr = Buffer.from([0x80 | 31, 201, 0, 1, 0, 0, 0, 1]);
    expect(rtcpProblem(rr)).toMatch(/receiver report/);
    expect(rtcpProblem(Buffer.from([0x80, 201, 0, 9, 0, 0, 0, 1]))).toMatch(/past the packet/);
    expect(rtcpProblem(Buffer.from([0x40, 201, 0, 1, 0, 0, 0, 1]))).toMatch(/version/);
    expect(rtcpProblem(Buffer.from([0x80, 201]))).toMatch(/cut short/);
  });

  it("once installed, werift's own RTCP parsing (its transport's receive path) uses it", () => {
    installRtcpBounds();
    installRtcpBounds(); // idempotent
    expect(RtcpPacketConverter.deSerialize).toBe(parseRtcpBounded);
  });
});
