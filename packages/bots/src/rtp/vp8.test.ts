import { describe, expect, it } from "vitest";
import { isVp8Keyframe, vp8DescriptorLength, Vp8FrameAssembler, Vp8Packetizer } from "./vp8.js";

const frame = (size: number, key: boolean) => {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 7 + size) & 0xff;
  b[0] = key ? 0x10 : 0x11;
  return b;
};

function roundTrip(frames: Buffer[], drop: (index: number) => boolean = () => false) {
  const packetizer = new Vp8Packetizer(100, 5);
  const assembler = new Vp8FrameAssembler();
  const out = [];
  let seq = 65530; // crosses the 16-bit wrap
  let index = 0;
  for (const [i, f] of frames.entries()) {
    const payloads = packetizer.packetize(f);
    for (const [j, p] of payloads.entries()) {
      const s = seq;
      seq = (seq + 1) & 0xffff;
      if (drop(index++)) continue;
      const done = assembler.push(s, i * 3000, j === payloads.length - 1, p);
      if (done) out.push(done);
    }
  }
  return { out, assembler };
}

describe("VP8 RTP packetization", () => {
  it("round-trips frames of any size through packetize and assemble", () => {
    const frames = [frame(950, true), frame(96, false), frame(1, false), frame(300, false)];
    const { out } = roundTrip(frames);
    expect(out.map((f) => f.data)).toEqual(frames);
    expect(out.map((f) => f.keyframe)).toEqual([true, false, false, false]);
  });

  it("writes a 15-bit picture id that increments per frame and the S bit only on the first packet", () => {
    const p = new Vp8Packetizer(100, 0x7ffe);
    const a = p.packetize(frame(250, true));
    const b = p.packetize(frame(10, false));
    expect(a.length).toBe(3);
    expect(a.map((x) => x[0]! & 0x10)).toEqual([0x10, 0, 0]);
    expect(((a[0]![2]! & 0x7f) << 8) | a[0]![3]!).toBe(0x7ffe);
    expect(((b[0]![2]! & 0x7f) << 8) | b[0]![3]!).toBe(0x7fff);
    expect(a.every((x) => x.length <= 100)).toBe(true);
    expect(vp8DescriptorLength(a[0]!)).toBe(4);
  });

  it("drops a frame that lost a packet and recovers at the next one", () => {
    const frames = [frame(250, true), frame(250, false), frame(250, false)];
    const { out, assembler } = roundTrip(frames, (i) => i === 4);
    expect(out.map((f) => f.data)).toEqual([frames[0], frames[2]]);
    expect(assembler.dropped).toBe(1);
  });

  it("tells keyframes from delta frames", () => {
    expect(isVp8Keyframe(frame(10, true))).toBe(true);
    expect(isVp8Keyframe(frame(10, false))).toBe(false);
    expect(isVp8Keyframe(Buffer.alloc(0))).toBe(false);
  });

  it("ignores truncated payloads", () => {
    const a = new Vp8FrameAssembler();
    expect(a.push(1, 0, true, Buffer.from([0x80]))).toBeUndefined();
    expect(a.push(2, 0, true, Buffer.alloc(0))).toBeUndefined();
  });
});
