import { describe, expect, it } from "vitest";
import { readPcap, sfuDelays } from "./capture.js";

/** An RTP packet's first 12 bytes (V=2, `pt`, `seq`, `ssrc`) and a short payload. */
function rtp(pt: number, seq: number, ssrc: number): Buffer {
  const b = Buffer.alloc(20);
  b[0] = 0x80;
  b[1] = pt;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(ssrc, 8);
  return b;
}

/** A pcap file (nanosecond timestamps, Ethernet) of UDP/IPv4 datagrams at the given ms. */
function pcap(records: { atMs: number; src: number; dst: number; payload: Buffer }[], truncateLast = false): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b23c4d, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  const parts = [header];
  for (const r of records) {
    const eth = Buffer.alloc(14);
    eth.writeUInt16BE(0x0800, 12);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip[9] = 17;
    const udp = Buffer.alloc(8);
    udp.writeUInt16BE(r.src, 0);
    udp.writeUInt16BE(r.dst, 2);
    const frame = Buffer.concat([eth, ip, udp, r.payload]);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(r.atMs / 1000), 0);
    rec.writeUInt32LE(Math.round((r.atMs % 1000) * 1e6), 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    parts.push(rec, frame);
  }
  const file = Buffer.concat(parts);
  return truncateLast ? file.subarray(0, file.length - 5) : file;
}

const PUB = 40001;
const SFU_IN = 50000;
const SFU_OUT = 50001;
const SUB = 40002;

describe("loopback capture for the SFU-added delay", () => {
  it("reads each UDP datagram's kernel timestamp, ports and payload, and skips a record cut short", () => {
    const file = pcap(
      [
        { atMs: 1_000.25, src: PUB, dst: SFU_IN, payload: rtp(96, 7, 1) },
        { atMs: 1_001.5, src: SFU_OUT, dst: SUB, payload: rtp(96, 7, 2) },
      ],
      true,
    );
    const datagrams = readPcap(file);
    expect(datagrams).toHaveLength(1);
    expect(datagrams[0]).toMatchObject({ srcPort: PUB, dstPort: SFU_IN });
    expect(datagrams[0]!.atMs).toBeCloseTo(1_000.25, 6);
    expect(datagrams[0]!.payload.readUInt16BE(2)).toBe(7);
  });

  it("refuses a file that is not pcap", () => {
    expect(() => readPcap(Buffer.from("definitely not a capture file"))).toThrow(/not a little-endian pcap/);
  });

  it("matches the publisher's packet to the SFU's copy by sequence number, inside the window only", () => {
    const file = pcap([
      { atMs: 10, src: PUB, dst: SFU_IN, payload: rtp(96, 65535, 111) },
      { atMs: 11, src: PUB, dst: SFU_IN, payload: rtp(96, 0, 111) },
      { atMs: 11.4, src: SFU_OUT, dst: SUB, payload: rtp(96, 65535, 222) },
      { atMs: 12, src: PUB, dst: SFU_IN, payload: rtp(96, 1, 111) },
      { atMs: 13, src: SFU_OUT, dst: SUB, payload: rtp(96, 0, 222) },
      { atMs: 13.5, src: SFU_OUT, dst: SUB, payload: rtp(96, 1, 222) },
      // Outside the window (first = 65535, count = 3): not counted.
      { atMs: 14, src: PUB, dst: SFU_IN, payload: rtp(96, 2, 111) },
      { atMs: 14.2, src: SFU_OUT, dst: SUB, payload: rtp(96, 2, 222) },
    ]);
    const { delays, outOfOrder } = sfuDelays(readPcap(file), PUB, SUB, 65535, 3);
    expect(delays.map((d) => Math.round(d * 100) / 100)).toEqual([1.4, 2, 1.5]);
    expect(outOfOrder).toBe(0);
  });

  it("ignores RTCP, a retransmission stream, a resend of the same number and other receivers' copies", () => {
    const file = pcap([
      { atMs: 1, src: PUB, dst: SFU_IN, payload: rtp(96, 5, 111) },
      { atMs: 2, src: PUB, dst: SFU_IN, payload: rtp(96, 6, 111) },
      { atMs: 2.5, src: SFU_OUT, dst: 40999, payload: rtp(96, 5, 333) },
      { atMs: 3, src: SFU_OUT, dst: SUB, payload: rtp(200, 5, 222) },
      { atMs: 3.5, src: SFU_OUT, dst: SUB, payload: rtp(97, 5, 999) },
      { atMs: 4, src: SFU_OUT, dst: SUB, payload: rtp(96, 5, 222) },
      { atMs: 5, src: SFU_OUT, dst: SUB, payload: rtp(96, 6, 222) },
      { atMs: 9, src: SFU_OUT, dst: SUB, payload: rtp(96, 5, 222) },
    ]);
    expect(sfuDelays(readPcap(file), PUB, SUB, 5, 2)).toEqual({ delays: [3, 3], outOfOrder: 0 });
  });

  it("counts a copy seen before its original instead of taking it as a delay", () => {
    // The SFU renumbered the stream (a resumed pause): its 8 is the publisher's 7.
    const file = pcap([
      { atMs: 1, src: PUB, dst: SFU_IN, payload: rtp(96, 7, 111) },
      { atMs: 1.5, src: SFU_OUT, dst: SUB, payload: rtp(96, 8, 222) },
      { atMs: 2, src: PUB, dst: SFU_IN, payload: rtp(96, 8, 111) },
    ]);
    expect(sfuDelays(readPcap(file), PUB, SUB, 7, 2)).toEqual({ delays: [], outOfOrder: 1 });
  });
});
