import type { Logger } from "pino";
import { allocatorStats, trimAllocator } from "./allocator.js";

/** How often the free memory inside malloc's arenas is looked at, ms. */
export const MEMORY_RETURN_INTERVAL_MS = 30_000;
/** Free bytes inside the arenas worth a trim (below, the walk is not worth its locks). */
export const MEMORY_RETURN_MIN_FREE_BYTES = 16 * 1024 * 1024;

/** What the returner has done, for /metrics. */
export interface MemoryReturnStats {
  trims: number;
  /** Resident memory the trims gave back (RSS before less after), bytes. */
  releasedBytes: number;
}

/**
 * Every {@link MEMORY_RETURN_INTERVAL_MS}, gives the free memory inside malloc's arenas back
 * to the system when there is at least {@link MEMORY_RETURN_MIN_FREE_BYTES} of it (see
 * allocator.ts). One per process (the trim covers every thread's arena); `trimNow` is also
 * called when an SFU worker has become empty and collected its garbage.
 */
export class MemoryReturner {
  readonly stats: MemoryReturnStats = { trims: 0, releasedBytes: 0 };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger,
    private readonly minFreeBytes = MEMORY_RETURN_MIN_FREE_BYTES,
  ) {}

  start(intervalMs = MEMORY_RETURN_INTERVAL_MS): void {
    if (this.timer || allocatorStats() === undefined) return; // no addon or not glibc: nothing to do
    this.timer = setInterval(() => this.trimIfWorthIt(), intervalMs);
    this.timer.unref();
  }

  /** Trims when the arenas hold at least the minimum free; returns the bytes given back. */
  trimIfWorthIt(): number {
    const before = allocatorStats();
    if (!before || before.freeBytes < this.minFreeBytes) return 0;
    return this.trimNow();
  }

  /** Trims now; returns the resident bytes given back. */
  trimNow(): number {
    const rssBefore = process.memoryUsage.rss();
    const started = performance.now();
    trimAllocator();
    const released = Math.max(0, rssBefore - process.memoryUsage.rss());
    this.stats.trims++;
    this.stats.releasedBytes += released;
    this.log.debug({ releasedBytes: released, ms: Math.round((performance.now() - started) * 10) / 10 }, "gave free malloc memory back to the system");
    return released;
  }

  /** Stops the timer; idempotent. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
