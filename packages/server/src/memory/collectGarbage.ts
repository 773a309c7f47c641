/**
 * A full garbage collection of this thread's V8 heap, when the process runs with `--expose-gc`
 * (SERVER_NODE_FLAGS; worker threads inherit it); returns whether it ran. Only for moments the
 * thread is idle (an SFU worker that hosts nobody any more): it stops the thread for as long
 * as the collection takes (a few ms at the heap sizes of an empty worker).
 */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== "function") return false;
  gc();
  return true;
}
