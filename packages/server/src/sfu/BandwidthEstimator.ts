/** Tunables of {@link BandwidthEstimator}; defaults suit a browser receiver. */
export interface EstimatorOptions {
  /** Starting estimate, bit/s (enough for a middle layer, like a browser's own start). */
  initial: number;
  min: number;
  max: number;
  /** Loss above this fraction in a receiver report means congestion. */
  lossThreshold: number;
  /** RTT this far above the lowest seen (seconds) means a queue is building. */
  queueDelay: number;
  /** Multiplicative increase per second while the path is clean. */
  increasePerSecond: number;
  /** After a decrease, no increase for this long (ms); doubled when an increase failed at once. */
  holdMs: number;
  maxHoldMs: number;
}

export const DEFAULT_ESTIMATOR: EstimatorOptions = {
  initial: 1_000_000,
  min: 100_000,
  max: 10_000_000,
  lossThreshold: 0.1,
  queueDelay: 0.1,
  increasePerSecond: 1.5,
  holdMs: 1500,
  maxHoldMs: 8000,
};

/** Loss is judged over at least this many packets (reports come with every NACK, over few packets). */
const MIN_PACKETS_FOR_LOSS = 20;

/**
 * How many bits per second can be sent to one receiver, from what the receiver tells us:
 * loss and round-trip time in its RTCP receiver reports (RFC 3550). (A browser's REMB is not
 * used: after one congestion event it stays far below the path's capacity for tens of
 * seconds, since it only grows with what it receives; docs/decisions/0003.) Loss above the threshold or a growing queue (RTT above its floor) cut the
 * estimate below the rate that caused them; a clean path lets it grow, which is how the SFU
 * finds out that a higher simulcast layer fits again. An increase that is followed at once by
 * congestion makes the next attempt wait longer (up to `maxHoldMs`).
 */
export class BandwidthEstimator {
  private value: number;
  private minRtt = Infinity;
  private lastRtt: number | undefined;
  /** The RTT sample before {@link lastRtt}: queueing needs both high (one late report is noise). */
  private previousRtt: number | undefined;
  private expected = 0;
  private lost = 0;
  private lastDecreaseAt = -Infinity;
  private lastIncreaseAt = -Infinity;
  private lastUpdateAt: number | undefined;
  private hold: number;

  constructor(private readonly options: EstimatorOptions = DEFAULT_ESTIMATOR) {
    this.value = options.initial;
    this.hold = options.holdMs;
  }

  /** The current estimate, bit/s. */
  get estimate(): number {
    return this.value;
  }

  /** A receiver report about one of the streams sent to this receiver: packets expected and lost since its previous one. */
  onReport(expected: number, lost: number, rtt: number | undefined): void {
    this.expected += expected;
    this.lost += lost;
    if (rtt !== undefined && Number.isFinite(rtt)) {
      this.previousRtt = this.lastRtt;
      this.lastRtt = rtt;
      this.minRtt = Math.min(this.minRtt, rtt);
    }
  }

  /**
   * Advances the estimate given what was sent over the last second (bit/s); call every few
   * hundred ms. Returns the new estimate.
   */
  update(now: number, sendRate: number): number {
    const o = this.options;
    const dt = this.lastUpdateAt === undefined ? 0 : Math.min(2, (now - this.lastUpdateAt) / 1000);
    this.lastUpdateAt = now;
    // Loss over all streams since the last update, once enough packets say something.
    const measured = this.expected >= MIN_PACKETS_FOR_LOSS;
    const loss = measured ? this.lost / this.expected : 0;
    if (measured) {
      this.expected = 0;
      this.lost = 0;
    }
    const queueing =
      this.lastRtt !== undefined &&
      this.previousRtt !== undefined &&
      Math.min(this.lastRtt, this.previousRtt) - this.minRtt > o.queueDelay;
    if (loss > o.lossThreshold || queueing) {
      // At most one cut per second: the reports that follow a cut still describe the old rate.
      if (now - this.lastDecreaseAt >= 1000) {
        const base = Math.min(this.value, sendRate > 0 ? sendRate : this.value);
        // Heavy loss: what got through, with headroom for the queue to drain.
        const next = base * (loss > o.lossThreshold ? Math.max(0.3, 1 - loss) * 0.85 : 0.6);
        if (now - this.lastIncreaseAt < 3000) this.hold = Math.min(o.maxHoldMs, this.hold * 2);
        this.value = Math.max(o.min, next);
        this.lastDecreaseAt = now;
      }
      return this.value;
    }
    if (now - this.lastDecreaseAt >= this.hold) {
      if (now - this.lastDecreaseAt > 4 * o.maxHoldMs) this.hold = o.holdMs;
      const grown = this.value * Math.pow(o.increasePerSecond, dt);
      if (grown > this.value) this.lastIncreaseAt = now;
      this.value = Math.min(o.max, grown);
    }
    // The RTT floor follows slow path changes (a route that got longer is not congestion).
    if (this.lastRtt !== undefined) this.minRtt += Math.max(0, this.lastRtt - this.minRtt) * 0.002;
    return this.value;
  }
}
