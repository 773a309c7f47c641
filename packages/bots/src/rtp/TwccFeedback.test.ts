import { RtcpPacketConverter, RtcpTransportLayerFeedback, RunLengthChunk, TransportWideCC } from "werift";
import { describe, expect, it } from "vitest";
import { TwccFeedback } from "./TwccFeedback.js";

function parse(bytes: Buffer): TransportWideCC {
  const packets = RtcpPacketConverter.deSerialize(bytes);
  expect(packets).toHaveLength(1);
  const feedback = (packets[0] as RtcpTransportLayerFeedback).feedback;
  expect(feedback).toBeInstanceOf(TransportWideCC);
  return feedback as TransportWideCC;
}

describe("transport-wide feedback from a bot", () => {
  it("reports arrivals and gaps since the last feedback in a 32-bit aligned message", () => {
    const fb = new TwccFeedback(0x1234);
    fb.onPacket(100, 1000);
    fb.onPacket(101, 1001);
    // 102 lost
    fb.onPacket(103, 1003.5);
    const bytes = fb.build(0x5678)!;
    expect(bytes.length % 4).toBe(0);
    expect(bytes.readUInt16BE(2)).toBe(bytes.length / 4 - 1);
    const f = parse(bytes);
    expect(f.senderSsrc).toBe(0x1234);
    expect(f.mediaSourceSsrc).toBe(0x5678);
    expect(f.baseSequenceNumber).toBe(100);
    expect(f.packetStatusCount).toBe(4);
    expect(f.referenceTime).toBe(Math.floor(1000 / 64));
    const runs = f.packetChunks.map((c) => [(c as RunLengthChunk).packetStatus, (c as RunLengthChunk).runLength]);
    expect(runs).toEqual([
      [1, 2],
      [0, 1],
      [1, 1],
    ]);
    // Deltas in µs: first from the reference time (15 × 64 = 960 ms), then packet to packet.
    expect(f.recvDeltas.slice(0, 3).map((d) => d.delta)).toEqual([40_000, 1000, 2500]);
  });

  it("sends nothing when nothing arrived, and the next feedback starts after the last reported", () => {
    const fb = new TwccFeedback(1);
    expect(fb.build(2)).toBeUndefined();
    fb.onPacket(5, 10);
    expect(parse(fb.build(2)!).baseSequenceNumber).toBe(5);
    expect(fb.build(2)).toBeUndefined();
    fb.onPacket(6, 11);
    fb.onPacket(7, 12);
    const next = parse(fb.build(2)!);
    expect(next.baseSequenceNumber).toBe(6);
    expect(next.packetStatusCount).toBe(2);
    expect(next.fbPktCount).toBe(1);
  });

  it("numbers across the 16-bit wrap and writes a large delta for a long or backwards gap", () => {
    const fb = new TwccFeedback(1);
    fb.onPacket(0xfffe, 100);
    fb.onPacket(0xffff, 200); // 100 ms later: more than one byte of 250 µs ticks
    fb.onPacket(0, 199); // arrived before the previous one
    const f = parse(fb.build(2)!);
    expect(f.baseSequenceNumber).toBe(0xfffe);
    expect(f.packetStatusCount).toBe(3);
    const runs = f.packetChunks.map((c) => [(c as RunLengthChunk).packetStatus, (c as RunLengthChunk).runLength]);
    expect(runs).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(f.recvDeltas.slice(0, 3).map((d) => d.delta)).toEqual([(100 - 64) * 1000, 100_000, -1000]);
  });
});
