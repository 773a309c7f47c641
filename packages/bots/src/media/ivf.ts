import { MediaFormatError } from "./errors.js";

/** The 32-byte IVF file header. */
export interface IvfHeader {
  fourcc: string;
  width: number;
  height: number;
  timebaseDenominator: number;
  timebaseNumerator: number;
  frameCount: number;
}

/** One compressed frame and its presentation timestamp (in timebase units). */
export interface IvfFrame {
  timestamp: number;
  data: Buffer;
}

const FILE_HEADER = 32;
const FRAME_HEADER = 12;

/**
 * Parses an IVF file (the VP8/VP9 container libvpx writes: "DKIF" header, then frames each
 * prefixed by a 4-byte size and an 8-byte timestamp, little-endian). Throws MediaFormatError.
 */
export function parseIvf(file: Buffer): { header: IvfHeader; frames: IvfFrame[] } {
  if (file.length < FILE_HEADER || file.toString("ascii", 0, 4) !== "DKIF") {
    throw new MediaFormatError("not an IVF file (no DKIF signature)");
  }
  const headerLength = file.readUInt16LE(6);
  if (headerLength < FILE_HEADER || headerLength > file.length) throw new MediaFormatError(`bad IVF header length ${headerLength}`);
  const header: IvfHeader = {
    fourcc: file.toString("ascii", 8, 12),
    width: file.readUInt16LE(12),
    height: file.readUInt16LE(14),
    timebaseDenominator: file.readUInt32LE(16),
    timebaseNumerator: file.readUInt32LE(20),
    frameCount: file.readUInt32LE(24),
  };
  const frames: IvfFrame[] = [];
  let offset = headerLength;
  while (offset < file.length) {
    if (offset + FRAME_HEADER > file.length) throw new MediaFormatError(`truncated IVF frame header at byte ${offset}`);
    const size = file.readUInt32LE(offset);
    const timestamp = Number(file.readBigUInt64LE(offset + 4));
    const start = offset + FRAME_HEADER;
    if (start + size > file.length) throw new MediaFormatError(`IVF frame at byte ${offset} claims ${size} bytes past the end`);
    frames.push({ timestamp, data: file.subarray(start, start + size) });
    offset = start + size;
  }
  return { header, frames };
}

/** Writes frames as an IVF file (e.g. what a bot received, for ffmpeg to decode). */
export function writeIvf(header: Omit<IvfHeader, "frameCount">, frames: readonly IvfFrame[]): Buffer {
  const head = Buffer.alloc(FILE_HEADER);
  head.write("DKIF", 0, "ascii");
  head.writeUInt16LE(0, 4);
  head.writeUInt16LE(FILE_HEADER, 6);
  head.write(header.fourcc.padEnd(4).slice(0, 4), 8, "ascii");
  head.writeUInt16LE(header.width, 12);
  head.writeUInt16LE(header.height, 14);
  head.writeUInt32LE(header.timebaseDenominator, 16);
  head.writeUInt32LE(header.timebaseNumerator, 20);
  head.writeUInt32LE(frames.length, 24);
  const parts: Buffer[] = [head];
  for (const frame of frames) {
    const fh = Buffer.alloc(FRAME_HEADER);
    fh.writeUInt32LE(frame.data.length, 0);
    fh.writeBigUInt64LE(BigInt(frame.timestamp), 4);
    parts.push(fh, frame.data);
  }
  return Buffer.concat(parts);
}
