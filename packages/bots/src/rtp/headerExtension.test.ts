import { describe, expect, it } from "vitest";
import { RtpHeader, RtpPacket } from "werift";
import { oneByteExtension, transportWideSequence } from "./headerExtension.js";

function packet(extensions: { id: number; payload: Buffer }[]): Buffer {
  const header = new RtpHeader({ payloadType: 96, sequenceNumber: 7, timestamp: 1, ssrc: 42, extension: extensions.length > 0, extensions });
  return new RtpPacket(header, Buffer.from([1, 2, 3])).serialize();
}

describe("reading one-byte RTP header extensions in place", () => {
  it("finds the transport-wide sequence number among other extensions", () => {
    const tw = Buffer.alloc(2);
    tw.writeUInt16BE(0xbeef);
    const raw = packet([{ id: 1, payload: Buffer.from("0") }, { id: 3, payload: tw }, { id: 2, payload: Buffer.from([1, 2, 3]) }]);
    expect(transportWideSequence(raw, 3)).toBe(0xbeef);
    expect(oneByteExtension(raw, 2)).toEqual(Buffer.from([1, 2, 3]));
  });

  it("returns nothing for an absent id, a packet without extensions, or a truncated one", () => {
    const raw = packet([{ id: 1, payload: Buffer.from("0") }]);
    expect(transportWideSequence(raw, 3)).toBeUndefined();
    expect(transportWideSequence(packet([]), 3)).toBeUndefined();
    expect(transportWideSequence(raw.subarray(0, 14), 1)).toBeUndefined();
    const lying = Buffer.from(raw);
    lying.writeUInt16BE(0xffff, 14); // extension length far past the end
    expect(oneByteExtension(lying, 1)).toBeUndefined();
  });
});
