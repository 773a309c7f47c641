import { RtpHeader } from "werift";

/** RFC 8285 §4.2 one-byte and §4.3 two-byte header extension profiles. */
const ONE_BYTE_PROFILE = 0xbede;
const TWO_BYTE_PROFILE = 0x1000;

type Deserialize = (raw: Buffer) => RtpHeader;

/** werift's own parser, kept for the differential test. */
export const weriftRtpHeaderDeserialize: Deserialize = RtpHeader.deSerialize.bind(RtpHeader);

/**
 * Parses an RTP header (RFC 3550 §5.1, extensions RFC 8285) into werift's RtpHeader, field for
 * field what werift's own parser gives for any header whose extensions fit in the buffer
 * (beyond it, see the bound below), including its handling of odd input (a one-byte
 * extension id 15 ends the list; extension data past the end is cut short), and throwing where
 * werift would (a buffer too short for the fixed header, the CSRCs or the extension header;
 * its callers catch any error). werift reads bit by bit through helper calls and copies the extension
 * list once per extension; every received packet is parsed twice (in SRTP decryption and
 * again after it), which made parsing a tenth of the SFU's receive cost.
 */
export function parseRtpHeader(raw: Buffer): RtpHeader {
  const h = new RtpHeader();
  if (raw.length < 12) throw new RangeError("RTP header shorter than 12 bytes");
  const b0 = raw[0]!;
  const b1 = raw[1]!;
  h.version = b0 >> 6;
  h.padding = (b0 & 0x20) !== 0;
  h.extension = (b0 & 0x10) !== 0;
  const csrcCount = b0 & 0x0f;
  h.csrcLength = csrcCount;
  h.marker = (b1 & 0x80) !== 0;
  h.payloadType = b1 & 0x7f;
  h.sequenceNumber = raw.readUInt16BE(2);
  h.timestamp = raw.readUInt32BE(4);
  h.ssrc = raw.readUInt32BE(8);
  let at = 12;
  const csrc: number[] = [];
  for (let i = 0; i < csrcCount; i++, at += 4) csrc.push(raw.readUInt32BE(at));
  h.csrc = csrc;
  if (h.extension) {
    const profile = raw.readUInt16BE(at);
    const length = raw.readUInt16BE(at + 2) * 4;
    h.extensionProfile = profile as RtpHeader["extensionProfile"];
    h.extensionLength = length;
    at += 4;
    const declaredEnd = at + length;
    // werift walks a declared length past the buffer's end one phantom byte at a time, copying
    // its list each time: a 12-byte header claiming 256 KiB of extensions stalled the thread
    // for minutes. The walk stops at the buffer; the payload still starts after the declared
    // end, so SRTP rejects such a packet (its payload would start past the authentication tag).
    const end = Math.min(declaredEnd, raw.length);
    const extensions: { id: number; payload: Buffer }[] = [];
    if (profile === ONE_BYTE_PROFILE) {
      while (at < end) {
        const b = raw[at];
        if (b === 0) {
          at++;
          continue;
        }
        // werift reads past the buffer as undefined → id 0, length 1; keep its arithmetic.
        const id = (b as number) >> 4;
        const len = ((b as number) & 0x0f) + 1;
        at++;
        if (id === 15) break;
        extensions.push({ id, payload: raw.subarray(at, at + len) });
        at += len;
      }
    } else if (profile === TWO_BYTE_PROFILE) {
      while (at < end) {
        if (raw[at] === 0) {
          at++;
          continue;
        }
        const id = raw[at++] as number;
        // A length byte past the buffer reads as 0 (werift reads undefined, and its payload
        // offset became NaN: the whole packet, header included, taken as payload).
        const len = raw[at++] ?? 0;
        extensions.push({ id, payload: raw.subarray(at, at + len) });
        at += len;
      }
    } else {
      const payload = raw.subarray(at, at + length);
      extensions.push({ id: 0, payload });
      at += payload.length;
    }
    h.extensions = extensions;
    if (at < declaredEnd) at = declaredEnd;
  }
  h.payloadOffset = at;
  if (h.padding) h.paddingSize = raw[raw.length - 1]!;
  return h;
}

let installed = false;

/**
 * Makes werift use {@link parseRtpHeader} for every RTP header it parses in this thread
 * (its RtpPacket and SRTP code call `RtpHeader.deSerialize`). Idempotent.
 */
export function installFastRtpHeaderParser(): void {
  if (installed) return;
  installed = true;
  (RtpHeader as unknown as { deSerialize: Deserialize }).deSerialize = parseRtpHeader;
}
