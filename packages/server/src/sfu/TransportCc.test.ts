import { RecvDelta, RtcpPacketConverter, RtcpTransportLayerFeedback, RunLengthChunk, TransportWideCC } from "werift";
import { describe, expect, it } from "vitest";
import { TransportCc, type PacketResult } from "./TransportCc.js";

/** Packet status chunks (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1). */
const run = (status: number, length: number): number => (status << 13) | length;
const vector2 = (symbols: number[]): number => symbols.reduce((v, s, i) => v | (s << (12 - 2 * i)), 0xc000);
const vector1 = (symbols: number[]): number => symbols.reduce((v, s, i) => v | (s << (13 - i)), 0x8000);

/**
 * Writes a feedback message byte by byte and reads it the way the SFU receives it (werift's
 * RTCP parser). Deltas in µs; `large` ones take two bytes.
 */
function wire(base: number, count: number, referenceTime: number, chunks: number[], deltas: { us: number; large?: boolean }[]): TransportWideCC {
  const body: number[] = [0, 0, 0, 1, 0, 0, 0, 2, base >> 8, base & 0xff, count >> 8, count & 0xff];
  body.push((referenceTime >> 16) & 0xff, (referenceTime >> 8) & 0xff, referenceTime & 0xff, 0);
  for (const c of chunks) body.push(c >> 8, c & 0xff);
  for (const d of deltas) {
    const ticks = Math.round(d.us / 250);
    if (d.large) body.push((ticks >> 8) & 0xff, ticks & 0xff);
    else body.push(ticks);
  }
  while (body.length % 4 !== 0) body.push(0);
  const bytes = Buffer.from([0x8f, 205, 0, body.length / 4, ...body]);
  const [packet] = RtcpPacketConverter.deSerialize(bytes);
  return (packet as RtcpTransportLayerFeedback).feedback as TransportWideCC;
}

function results(cc: TransportCc, feedback: TransportWideCC): PacketResult[] {
  const out: PacketResult[] = [];
  cc.onFeedback(feedback, (r) => out.push(r));
  return out;
}

describe("transport-wide feedback", () => {
  it("numbers packets in the 2-byte extension and reads arrivals and losses from run-length and status-vector chunks", () => {
    const cc = new TransportCc();
    for (let i = 0; i < 5; i++) {
      const seq = cc.stamp(1000 + i);
      expect(cc.extension.readUInt16BE(0)).toBe(seq);
      cc.sized(seq, 100 + i);
    }
    // Packets 0-1 received (run-length), then 2 lost, 3 received with a large delta, 4 received (2-bit vector).
    const feedback = wire(0, 5, 10 /* × 64 ms */, [run(1, 2), vector2([0, 2, 1, 0, 0, 0, 0])], [{ us: 1000 }, { us: 2000 }, { us: 70_000, large: true }, { us: 500 }]);
    const got = results(cc, feedback);
    expect(got.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(got.map((r) => r.size)).toEqual([100, 101, 102, 103, 104]);
    expect(got[2]!.arrival).toBeNaN();
    expect(got.filter((r) => !Number.isNaN(r.arrival)).map((r) => r.arrival)).toEqual([641, 643, 713, 713.5]);
    expect(got[0]!.sentAt).toBe(1000);
    expect(cc.highestReported).toBe(4);
  });

  it("counts a packet once, and one reported lost can still arrive later", () => {
    const cc = new TransportCc();
    for (let i = 0; i < 2; i++) cc.stamp(i);
    const lostThenReceived = wire(0, 2, 0, [vector1([1, 0])], [{ us: 250 }]);
    expect(results(cc, lostThenReceived).map((r) => Number.isNaN(r.arrival))).toEqual([false, true]);
    const again = wire(0, 2, 0, [run(1, 2)], [{ us: 250 }, { us: 250 }]);
    expect(results(cc, again).map((r) => r.seq)).toEqual([1]);
  });

  it("maps the 16-bit base sequence number onto packets sent after the counter wrapped", () => {
    const cc = new TransportCc();
    for (let i = 0; i < 65_540; i++) cc.stamp(i);
    const feedback = wire(65_534, 4, 0, [run(1, 4)], [1, 2, 3, 4].map(() => ({ us: 1000 })));
    expect(results(cc, feedback).map((r) => r.seq)).toEqual([65_534, 65_535, 65_536, 65_537]);
  });

  it("ignores feedback about packets it never sent", () => {
    const cc = new TransportCc();
    cc.stamp(0);
    const feedback = wire(0, 3, 0, [run(1, 3)], [{ us: 1000 }, { us: 1000 }, { us: 1000 }]);
    expect(results(cc, feedback).map((r) => r.seq)).toEqual([0]);
  });

  it("stops reading a feedback that claims more arrivals than it has deltas for", () => {
    const cc = new TransportCc();
    for (let i = 0; i < 3; i++) cc.stamp(i);
    const damaged = new TransportWideCC({
      baseSequenceNumber: 0,
      packetStatusCount: 3,
      referenceTime: 0,
      packetChunks: [new RunLengthChunk({ packetStatus: 1, runLength: 3 })],
      recvDeltas: [new RecvDelta({ delta: 1000 })],
    });
    expect(results(cc, damaged).map((r) => r.seq)).toEqual([0]);
  });

  it("measures a probe cluster's sending and arrival rates", () => {
    const cc = new TransportCc();
    // 11 packets of 1000 bytes sent 1 ms apart (8 Mbit/s), arriving 10 ms apart (800 kbit/s).
    for (let i = 0; i < 11; i++) cc.sized(cc.stamp(i), 1000);
    cc.onFeedback(
      wire(0, 11, 0, [run(1, 11)], new Array(11).fill(0).map(() => ({ us: 10_000 }))),
      () => undefined,
    );
    const rates = cc.clusterRates(0, 10);
    expect(rates.sendRate).toBeCloseTo(8_000_000, -3);
    expect(rates.receiveRate).toBeCloseTo(800_000, -3);
    expect(rates).toMatchObject({ received: 11, lost: 0 });
  });
});
