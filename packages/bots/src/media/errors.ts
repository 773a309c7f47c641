/** A media file is not what it claims to be (bad magic, truncated, inconsistent sizes). */
export class MediaFormatError extends Error {
  override readonly name = "MediaFormatError";
}
