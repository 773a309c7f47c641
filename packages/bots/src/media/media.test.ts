import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fixturePath } from "../fixtures.js";
import { MediaFormatError } from "./errors.js";
import { parseIvf, writeIvf } from "./ivf.js";
import { parseOggOpus } from "./ogg.js";

describe("IVF", () => {
  it("reads the VP8 fixture: 640x360, 300 frames, starting with a keyframe", () => {
    const { header, frames } = parseIvf(readFileSync(fixturePath("video.ivf")));
    expect(header).toMatchObject({ fourcc: "VP80", width: 640, height: 360 });
    expect(frames.length).toBe(300);
    expect(frames[0]!.data[0]! & 1).toBe(0);
  });

  it("writes what it reads", () => {
    const file = readFileSync(fixturePath("video.ivf"));
    const { header, frames } = parseIvf(file);
    const again = parseIvf(writeIvf(header, frames)).frames;
    expect(again.length).toBe(frames.length);
    expect(again.every((f, i) => f.data.equals(frames[i]!.data) && f.timestamp === frames[i]!.timestamp)).toBe(true);
  });

  it("rejects garbage and truncated files with MediaFormatError", () => {
    const file = readFileSync(fixturePath("video.ivf"));
    expect(() => parseIvf(Buffer.from("hello"))).toThrow(MediaFormatError);
    expect(() => parseIvf(file.subarray(0, 40))).toThrow(MediaFormatError);
    expect(() => parseIvf(file.subarray(0, file.length - 1))).toThrow(/past the end/);
  });
});

describe("Ogg Opus", () => {
  it("reads 20 ms Opus packets from the fixture (10 s ≈ 500 packets)", () => {
    const packets = parseOggOpus(readFileSync(fixturePath("audio.ogg")));
    expect(packets.length).toBeGreaterThanOrEqual(495);
    expect(packets.length).toBeLessThanOrEqual(505);
    // TOC byte (RFC 6716 §3.1): config 0–31; 20 ms frames are configs 1, 5, 9, 13, 15, 19, 23, 27, 31.
    expect(packets.every((p) => [1, 5, 9, 13, 15, 19, 23, 27, 31].includes(p[0]! >> 3))).toBe(true);
  });

  it("rejects garbage and truncated files with MediaFormatError", () => {
    const file = readFileSync(fixturePath("audio.ogg"));
    expect(() => parseOggOpus(Buffer.from("OggS"))).toThrow(MediaFormatError);
    expect(() => parseOggOpus(file.subarray(0, 100))).toThrow(MediaFormatError);
    expect(() => parseOggOpus(readFileSync(fixturePath("video.ivf")))).toThrow(MediaFormatError);
  });
});
