import { monitorEventLoopDelay } from "node:perf_hooks";

/** How often the histogram samples the loop, ms (each sample includes it: an idle loop reads ≈ 10 ms). */
export const LOOP_DELAY_RESOLUTION_MS = 10;

/** The part of `perf_hooks`' interval histogram a {@link LoopDelay} uses. */
export interface DelayHistogram {
  enable(): boolean;
  disable(): boolean;
  reset(): void;
  percentile(percentile: number): number;
  readonly count: number;
}

/**
 * A thread's event-loop delay, sampled only while the thread has work (an SFU worker hosting
 * someone). The histogram's timer wakes the thread every {@link LOOP_DELAY_RESOLUTION_MS}: on
 * an idle worker those 100 wake-ups a second were all the CPU it used (7–15 ms a second each
 * on a 2-core VM), for a figure that says nothing about a thread with nothing to do.
 */
export class LoopDelay {
  private active = false;

  constructor(private readonly histogram: DelayHistogram = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS })) {}

  /** Starts or stops sampling; a restart counts nothing of the time it was off. */
  setActive(active: boolean): void {
    if (active === this.active) return;
    this.active = active;
    if (active) {
      this.histogram.reset();
      this.histogram.enable();
    } else this.histogram.disable();
  }

  get isActive(): boolean {
    return this.active;
  }

  /** The 99th percentile since the last call, ms, then starts over; 0 when nothing was sampled. */
  takeP99Ms(): number {
    const p99 = this.histogram.count > 0 ? this.histogram.percentile(99) / 1e6 : 0;
    this.histogram.reset();
    return p99;
  }
}
