import type { ChatEntry } from "@confab/protocol";

/**
 * Most bytes of chat history a `joined` reply carries: a 44-byte `join` must not earn a
 * megabyte-sized answer (200 messages of 2 000 characters each, escaped, are over 1 MB).
 */
export const JOINED_CHAT_BYTES = 64 * 1024;

/**
 * The newest messages of `history` (oldest first) whose JSON fits in `maxBytes`: the reply to a
 * join stays small whatever the room's chat holds.
 */
export function recentHistory(history: readonly ChatEntry[], maxBytes = JOINED_CHAT_BYTES): ChatEntry[] {
  let bytes = 0;
  let start = history.length;
  while (start > 0) {
    const size = Buffer.byteLength(JSON.stringify(history[start - 1]));
    if (bytes + size > maxBytes) break;
    bytes += size;
    start--;
  }
  return history.slice(start);
}
