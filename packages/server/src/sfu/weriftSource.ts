import { createHash } from "node:crypto";

/**
 * A function's source without whitespace, hashed (SHA-256, first 16 hex digits): the patches
 * that redo one of werift's functions replace it only when this matches the version they were
 * written against, so another werift keeps its own code.
 */
export function sourceFingerprint(fn: unknown): string {
  return createHash("sha256")
    .update(String(fn).replace(/\s+/g, ""))
    .digest("hex")
    .slice(0, 16);
}
