/**
 * Gives back a worker thread's memory once it hosts nobody (docs/decisions/0011): after the
 * last room on the thread closed and {@link EMPTY_COLLECT_DELAY_MS} passed with nobody in a
 * room and no join under way, it runs `collect` (drop pooled rings, full garbage collection,
 * malloc trim). A full collection stops the thread for milliseconds, so it must never run while
 * media flows: it checks again when the delay is over, and a room or a join that came meanwhile
 * cancels it.
 */
export class EmptyCollector {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** Whether the thread hosts nobody and nobody is joining (no media can flow). */
    private readonly isEmpty: () => boolean,
    private readonly collect: () => void,
    private readonly delayMs = EMPTY_COLLECT_DELAY_MS,
  ) {}

  /** A room on the thread closed: collect after the delay if the thread is still empty then. */
  roomClosed(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.isEmpty()) this.collect();
    }, this.delayMs);
    this.timer.unref();
  }

  /** Cancels a pending collection; idempotent. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** After the last participant left, how long the thread waits before it collects, ms (rejoins come quickly). */
export const EMPTY_COLLECT_DELAY_MS = 2_000;
