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
  queueDelay: 0.15,
  increasePerSecond: 1.3,
  holdMs: 2000,
  maxHoldMs: 6000,
};

/**
 * How many bits per second can be sent to one receiver, from what the receiver tells us:
 * loss and round-trip time in its RTCP receiver reports (RFC 3550), and its REMB when it
 * sends one. Loss above the threshold or a growing queue (RTT above its floor) cut the
 * estimate below the rate that caused them; a clean path lets it grow, which is how the SFU
 * finds out that a higher simulcast layer fits again. An increase that is followed at once by
 * congestion makes the next attempt wait longer (up to `maxHoldMs`).
 */
export class BandwidthEstimator {
  private value: number;
  private minRtt = Infinity;
  private lastRtt: number | undefined;
  private worstLoss = 0;
  private remb: number | undefined;
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

  /** A receiver report about one of the streams sent to this receiver. */
  onReport(fractionLost: number, rtt: number | undefined): void {
    this.worstLoss = Math.max(this.worstLoss, fractionLost);
    if (rtt !== undefined && Number.isFinite(rtt)) {
      this.lastRtt = rtt;
      this.minRtt = Math.min(this.minRtt, rtt);
    }
  }

  /** The receiver's own estimate (REMB), bit/s. */
  onRemb(bitrate: number): void {
    if (Number.isFinite(bitrate) && bitrate > 0) this.remb = bitrate;
  }

  /**
   * Advances the estimate given what was sent over the last second (bit/s); call every few
   * hundred ms. Returns the new estimate.
   */
  update(now: number, sendRate: number): number {
    const o = this.options;
    const dt = this.lastUpdateAt === undefined ? 0 : Math.min(2, (now - this.lastUpdateAt) / 1000);
    this.lastUpdateAt = now;
    const loss = this.worstLoss;
    const queueing = this.lastRtt !== undefined && this.lastRtt - this.minRtt > o.queueDelay;
    const rembLow = this.remb !== undefined && this.remb < Math.min(this.value, sendRate) * 0.85;
    this.worstLoss = 0;
    if (loss > o.lossThreshold || queueing || rembLow) {
      // At most one cut per second: the reports that follow a cut still describe the old rate.
      if (now - this.lastDecreaseAt >= 1000) {
        const base = Math.min(this.value, sendRate > 0 ? sendRate : this.value);
        const factor = loss > o.lossThreshold ? Math.max(0.5, 1 - loss) : queueing ? 0.6 : 0.85;
        let next = base * factor;
        if (this.remb !== undefined && rembLow) next = Math.min(next, this.remb);
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
