/** RFC 8285 §4.2: the one-byte header extension profile. */
const ONE_BYTE_PROFILE = 0xbede;

/**
 * The value of one-byte header extension `id` in a (clear) RTP header, read in place; undefined
 * when absent, malformed, or in the two-byte profile (which the SFU does not send).
 */
export function oneByteExtension(packet: Buffer, id: number): Buffer | undefined {
  if (packet.length < 12 || (packet[0]! & 0x10) === 0) return undefined;
  let at = 12 + 4 * (packet[0]! & 0x0f);
  if (at + 4 > packet.length || packet.readUInt16BE(at) !== ONE_BYTE_PROFILE) return undefined;
  const end = at + 4 + 4 * packet.readUInt16BE(at + 2);
  if (end > packet.length) return undefined;
  at += 4;
  while (at < end) {
    const byte = packet[at]!;
    if (byte === 0) {
      at++; // padding
      continue;
    }
    const extId = byte >> 4;
    if (extId === 15) return undefined; // reserved: stop (RFC 8285 §4.2)
    const length = (byte & 0x0f) + 1;
    if (at + 1 + length > end) return undefined;
    if (extId === id) return packet.subarray(at + 1, at + 1 + length);
    at += 1 + length;
  }
  return undefined;
}

/** The transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2). */
export function transportWideSequence(packet: Buffer, id: number): number | undefined {
  const value = oneByteExtension(packet, id);
  return value && value.length >= 2 ? value.readUInt16BE(0) : undefined;
}
