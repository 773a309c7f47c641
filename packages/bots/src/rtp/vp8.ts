/**
 * VP8 RTP payload format (RFC 7741). The packetizer writes the payload descriptor with a
 * 15-bit PictureID; the assembler rebuilds frames from packets and drops incomplete ones.
 */

/** Whether a VP8 frame (the codec bitstream) is a keyframe: P bit 0 (RFC 6386 §9.1). */
export function isVp8Keyframe(frame: Uint8Array): boolean {
  return frame.length > 0 && (frame[0]! & 0x01) === 0;
}

/** Splits VP8 frames into RTP payloads, numbering pictures. */
export class Vp8Packetizer {
  private pictureId: number;

  constructor(
    /** Largest RTP payload, bytes (descriptor included). */
    private readonly maxPayload = 1200,
    firstPictureId = Math.floor(Math.random() * 0x7fff),
  ) {
    if (maxPayload < 8) throw new RangeError("maxPayload must be at least 8 bytes");
    this.pictureId = firstPictureId & 0x7fff;
  }

  /** The payloads of one frame; the last one carries the RTP marker bit. */
  packetize(frame: Uint8Array): Buffer[] {
    const chunk = this.maxPayload - 4;
    const out: Buffer[] = [];
    for (let offset = 0; offset < frame.length || offset === 0; offset += chunk) {
      const part = frame.subarray(offset, Math.min(frame.length, offset + chunk));
      const payload = Buffer.allocUnsafe(4 + part.length);
      payload[0] = 0x80 | (offset === 0 ? 0x10 : 0); // X, S (start of partition 0)
      payload[1] = 0x80; // I: PictureID present
      payload[2] = 0x80 | (this.pictureId >> 8); // M: 15-bit PictureID
      payload[3] = this.pictureId & 0xff;
      payload.set(part, 4);
      out.push(payload);
      if (frame.length === 0) break;
    }
    this.pictureId = (this.pictureId + 1) & 0x7fff;
    return out;
  }
}

/** Length of the VP8 payload descriptor at the start of `payload`, or -1 if truncated. */
export function vp8DescriptorLength(payload: Uint8Array): number {
  if (payload.length < 1) return -1;
  let offset = 1;
  if (payload[0]! & 0x80) {
    if (payload.length < 2) return -1;
    const ext = payload[1]!;
    offset = 2;
    if (ext & 0x80) {
      if (payload.length <= offset) return -1;
      offset += payload[offset]! & 0x80 ? 2 : 1;
    }
    if (ext & 0x40) offset++;
    if (ext & 0x30) offset++;
  }
  return offset <= payload.length ? offset : -1;
}

/** A reassembled frame. */
export interface AssembledFrame {
  timestamp: number;
  keyframe: boolean;
  data: Buffer;
}

/**
 * Rebuilds VP8 frames from RTP packets in arrival order. A frame is complete when its packets
 * run without a sequence gap from one with the S bit to one with the marker bit; a frame with
 * a gap is dropped (and counted).
 */
export class Vp8FrameAssembler {
  private parts: Buffer[] = [];
  private timestamp: number | undefined;
  private expectedSeq: number | undefined;
  private broken = false;
  /** Frames dropped because a packet was missing. */
  dropped = 0;

  /** Adds one packet; returns the frame it completes, if any. */
  push(sequenceNumber: number, timestamp: number, marker: boolean, payload: Uint8Array): AssembledFrame | undefined {
    const descriptor = vp8DescriptorLength(payload);
    if (descriptor < 0) return undefined;
    const start = (payload[0]! & 0x10) !== 0 && (payload[0]! & 0x07) === 0;
    if (start || timestamp !== this.timestamp) {
      if (this.parts.length > 0) this.dropped++;
      this.parts = [];
      this.broken = !start;
      this.timestamp = timestamp;
    } else if (this.expectedSeq !== undefined && sequenceNumber !== this.expectedSeq) {
      this.broken = true;
    }
    this.expectedSeq = (sequenceNumber + 1) & 0xffff;
    if (!this.broken) this.parts.push(Buffer.from(payload.subarray(descriptor)));
    if (!marker) return undefined;
    const parts = this.parts;
    this.parts = [];
    this.timestamp = undefined;
    if (this.broken || parts.length === 0) {
      this.dropped++;
      return undefined;
    }
    const data = Buffer.concat(parts);
    return { timestamp, keyframe: isVp8Keyframe(data), data };
  }
}
