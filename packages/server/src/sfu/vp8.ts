/**
 * Whether an RTP payload starts a VP8 keyframe: the first packet of a frame (RFC 7741 §4.2:
 * S=1, partition index 0) whose VP8 payload header has P=0 (RFC 6386 §9.1). Never throws.
 */
export function isVp8KeyframeStart(payload: Uint8Array): boolean {
  if (payload.length < 1) return false;
  const b0 = payload[0]!;
  const start = (b0 & 0x10) !== 0;
  const partition = b0 & 0x07;
  if (!start || partition !== 0) return false;
  let offset = 1;
  if (b0 & 0x80) {
    // X: extension byte with I, L, T, K.
    if (payload.length < 2) return false;
    const ext = payload[1]!;
    offset = 2;
    if (ext & 0x80) {
      // I: PictureID, 15 bits when its first bit (M) is set, else 7.
      if (payload.length <= offset) return false;
      offset += payload[offset]! & 0x80 ? 2 : 1;
    }
    if (ext & 0x40) offset += 1; // L: TL0PICIDX
    if (ext & 0x30) offset += 1; // T or K: TID/Y/KEYIDX
  }
  if (payload.length <= offset) return false;
  return (payload[offset]! & 0x01) === 0;
}

/**
 * Where the VP8 payload descriptor (RFC 7741 §4.2) keeps the fields an SFU rewrites when it
 * switches between simulcast layers. Offsets are -1 when a field is absent.
 */
export interface Vp8Fields {
  /** Offset of the PictureID, -1 if none. */
  pictureIdOffset: number;
  /** 15 or 7. */
  pictureIdBits: number;
  /** Offset of TL0PICIDX, -1 if none. */
  tl0Offset: number;
}

/**
 * Locates PictureID and TL0PICIDX in `payload` into `out` (reused: no allocation per packet).
 * Returns false for a payload too short to hold its descriptor. Never throws.
 */
export function readVp8Fields(payload: Uint8Array, out: Vp8Fields): boolean {
  out.pictureIdOffset = -1;
  out.tl0Offset = -1;
  out.pictureIdBits = 0;
  if (payload.length < 1) return false;
  const b0 = payload[0]!;
  if ((b0 & 0x80) === 0) return true;
  if (payload.length < 2) return false;
  const ext = payload[1]!;
  let offset = 2;
  if (ext & 0x80) {
    if (payload.length <= offset) return false;
    out.pictureIdOffset = offset;
    out.pictureIdBits = payload[offset]! & 0x80 ? 15 : 7;
    offset += out.pictureIdBits === 15 ? 2 : 1;
    if (payload.length < offset) return false;
  }
  if (ext & 0x40) {
    if (payload.length <= offset) return false;
    out.tl0Offset = offset;
  }
  return true;
}

/** Reads the PictureID located by {@link readVp8Fields}. */
export function getPictureId(payload: Uint8Array, fields: Vp8Fields): number {
  const o = fields.pictureIdOffset;
  return fields.pictureIdBits === 15 ? ((payload[o]! & 0x7f) << 8) | payload[o + 1]! : payload[o]! & 0x7f;
}

/** Writes a PictureID (kept in the packet's own width) in place. */
export function setPictureId(payload: Uint8Array, fields: Vp8Fields, pictureId: number): void {
  const o = fields.pictureIdOffset;
  if (fields.pictureIdBits === 15) {
    payload[o] = 0x80 | ((pictureId >> 8) & 0x7f);
    payload[o + 1] = pictureId & 0xff;
  } else {
    payload[o] = pictureId & 0x7f;
  }
}

/**
 * The frame size of a VP8 keyframe whose first packet this is (RFC 6386 §9.1: 3-byte frame
 * tag, start code 9d 01 2a, then 14-bit width and height), or undefined. Never throws.
 */
export function vp8KeyframeSize(payload: Uint8Array): { width: number; height: number } | undefined {
  if (!isVp8KeyframeStart(payload)) return undefined;
  const fields: Vp8Fields = { pictureIdOffset: -1, pictureIdBits: 0, tl0Offset: -1 };
  readVp8Fields(payload, fields);
  let offset = 1;
  if (payload[0]! & 0x80) {
    const ext = payload[1]!;
    offset = 2;
    if (ext & 0x80) offset += fields.pictureIdBits === 15 ? 2 : 1;
    if (ext & 0x40) offset += 1;
    if (ext & 0x30) offset += 1;
  }
  const p = offset;
  if (payload.length < p + 10) return undefined;
  if (payload[p + 3] !== 0x9d || payload[p + 4] !== 0x01 || payload[p + 5] !== 0x2a) return undefined;
  const width = (payload[p + 6]! | (payload[p + 7]! << 8)) & 0x3fff;
  const height = (payload[p + 8]! | (payload[p + 9]! << 8)) & 0x3fff;
  return width > 0 && height > 0 ? { width, height } : undefined;
}
