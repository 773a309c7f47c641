import { MediaFormatError } from "./errors.js";

/**
 * Extracts the Opus packets of an Ogg Opus file (RFC 7845): reads the pages (RFC 3533),
 * joins lacing segments into packets, and drops the two header packets (OpusHead, OpusTags).
 * Only the first logical stream is read. Throws MediaFormatError.
 */
export function parseOggOpus(file: Buffer): Buffer[] {
  const packets: Buffer[] = [];
  let pending: Buffer[] = [];
  let serial: number | undefined;
  let offset = 0;
  while (offset < file.length) {
    if (offset + 27 > file.length) throw new MediaFormatError(`truncated Ogg page header at byte ${offset}`);
    if (file.toString("ascii", offset, offset + 4) !== "OggS") throw new MediaFormatError(`no OggS capture pattern at byte ${offset}`);
    const pageSerial = file.readUInt32LE(offset + 14);
    const segments = file[offset + 26]!;
    const tableStart = offset + 27;
    if (tableStart + segments > file.length) throw new MediaFormatError(`truncated Ogg segment table at byte ${offset}`);
    let dataOffset = tableStart + segments;
    serial ??= pageSerial;
    for (let i = 0; i < segments; i++) {
      const length = file[tableStart + i]!;
      if (dataOffset + length > file.length) throw new MediaFormatError(`truncated Ogg segment at byte ${dataOffset}`);
      if (pageSerial === serial) pending.push(file.subarray(dataOffset, dataOffset + length));
      dataOffset += length;
      // A segment shorter than 255 bytes ends a packet (RFC 3533 §5).
      if (length < 255 && pageSerial === serial) {
        packets.push(Buffer.concat(pending));
        pending = [];
      }
    }
    offset = dataOffset;
  }
  if (packets.length < 2 || packets[0]!.toString("ascii", 0, 8) !== "OpusHead") {
    throw new MediaFormatError("not an Ogg Opus stream (no OpusHead)");
  }
  return packets.slice(2);
}
