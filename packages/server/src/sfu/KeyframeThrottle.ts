/**
 * Coalesces keyframe requests: the first request in a quiet period fires at once; requests
 * within `intervalMs` of the last one fire once, at the end of the interval. So a burst of
 * PLIs from many subscribers costs the publisher one keyframe, and the last request of a
 * burst is never lost.
 */
export class KeyframeThrottle {
  private lastSent = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly intervalMs: number,
    private readonly send: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  request(): void {
    if (this.closed || this.timer) return;
    const wait = this.lastSent + this.intervalMs - this.now();
    if (wait <= 0) {
      this.fire();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fire();
    }, wait);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fire(): void {
    if (this.closed) return;
    this.lastSent = this.now();
    this.send();
  }
}
