import type { ClusterRates, PacketResult } from "./TransportCc.js";

/** Tunables of {@link TwccEstimator}. */
export interface TwccEstimatorOptions {
  /** Starting estimate, bit/s. */
  initial: number;
  min: number;
  max: number;
}

export const DEFAULT_TWCC_ESTIMATOR: TwccEstimatorOptions = { initial: 1_000_000, min: 100_000, max: 10_000_000 };

/**
 * A queue: one-way delay above its floor by QUEUE_MS and growing from each feedback to the next
 * (by more than GROWTH_MS) in GROWING_FEEDBACKS running, or above it by STANDING_QUEUE_MS in
 * two running. A delay that stepped up once and stays (a longer route) is not a queue.
 */
const QUEUE_MS = 30;
const GROWTH_MS = 2;
const GROWING_FEEDBACKS = 3;
const STANDING_QUEUE_MS = 150;
/** The one-way delay floor is the lowest seen over this long (per-second minima). */
const FLOOR_WINDOW_MS = 10_000;
/** The acknowledged rate is what arrived over this long (receiver's clock). */
const ACK_WINDOW_MS = 500;
/** Loss above this fraction (over at least LOSS_MIN_PACKETS) cuts the estimate. */
const LOSS_THRESHOLD = 0.1;
const LOSS_MIN_PACKETS = 20;
/** Growth per second on a clean path, up to ACK_HEADROOM × what arrives (GCC's 8 %/s). */
const INCREASE_PER_SECOND = 1.08;
const ACK_HEADROOM = 1.5;
/** Cuts for one queue are at least this far apart (ms). */
const DECREASE_INTERVAL_MS = 200;
/** After a queue, the estimate is this share of what arrived. */
const BACKOFF = 0.85;
/** A cut without the bottleneck's measured rate keeps at least this share of the estimate. */
const UNMEASURED_CUT = 0.5;
/** Probes: the first soon after a higher rate is wanted, then backing off while they fail. */
const PROBE_INTERVAL_MS = 1000;
const PROBE_MAX_INTERVAL_MS = 4000;
/** A rate that arrived without a queue (a probe's, or the media's) counts at this share. */
const PROBE_CREDIT = 0.9;
/** No probe this soon after a queue was seen. */
const PROBE_QUIET_MS = 2000;

/**
 * Bandwidth to one receiver from its transport-wide feedback (the delay-based half of Google
 * congestion control, simplified): every packet's arrival time against its send time gives the
 * one-way delay; delay above its floor means a queue at the bottleneck, and the estimate drops
 * to a share of what actually arrived. A clean path lets the estimate grow, but not far above
 * what arrives: video layers are coarse steps (150 kbit/s → 500 kbit/s → 1.5 Mbit/s), so the
 * way up is a probe (a short burst of padding, see {@link probeTarget}) whose arrival rate
 * says what the path carries, before any layer is switched up.
 */
export class TwccEstimator {
  private value: number;
  private floorBucketStart = -Infinity;
  private floorBucketMin = Infinity;
  private readonly floorBuckets: { start: number; min: number }[] = [];
  private feedbackMin = Infinity;
  /**
   * Arrivals of the current feedback's packets that met a queue: they left the bottleneck back
   * to back, so their spacing is its rate.
   */
  private feedbackFloor = NaN;
  private feedbackFirstArrival = Infinity;
  private feedbackLastArrival = -Infinity;
  private feedbackBytes = 0;
  private feedbackPackets = 0;
  /** The previous feedback's lowest one-way delay, for the growth test. */
  private previousDelay = NaN;
  private growingStreak = 0;
  private standingStreak = 0;
  private readonly ackArrivals: number[] = [];
  private readonly ackSizes: number[] = [];
  private ackHead = 0;
  private ackBytes = 0;
  private received = 0;
  private lost = 0;
  private lastDecreaseAt = -Infinity;
  private lastQueueAt = -Infinity;
  private lastUpdateAt: number | undefined;
  private nextProbeAt = -Infinity;
  private probeInterval = PROBE_INTERVAL_MS;
  private probeWanted = 0;
  /** A probe is being sent or awaits feedback. */
  probing = false;

  constructor(private readonly options: TwccEstimatorOptions = DEFAULT_TWCC_ESTIMATOR) {
    this.value = options.initial;
  }

  get estimate(): number {
    return this.value;
  }

  /** Whether the last feedbacks showed a queue building (or a large one standing). */
  get queueing(): boolean {
    return this.growingStreak >= GROWING_FEEDBACKS || this.standingStreak >= 2;
  }

  /** What arrived at the receiver over the last half second, bit/s (undefined: too little known). */
  get ackedRate(): number | undefined {
    const n = this.ackArrivals.length;
    if (n - this.ackHead < 2) return undefined;
    const span = this.ackArrivals[n - 1]! - this.ackArrivals[this.ackHead]!;
    if (span < ACK_WINDOW_MS / 4) return undefined;
    return ((this.ackBytes - this.ackSizes[this.ackHead]!) * 8000) / span;
  }

  /** One packet's fate from feedback. */
  onPacket(result: PacketResult): void {
    if (Number.isNaN(result.arrival)) {
      this.lost++;
      return;
    }
    this.received++;
    const delay = result.arrival - result.sentAt;
    if (Number.isNaN(this.feedbackFloor)) this.feedbackFloor = this.floor();
    if (delay - this.feedbackFloor > QUEUE_MS / 2) {
      if (result.arrival < this.feedbackFirstArrival) this.feedbackFirstArrival = result.arrival;
      else this.feedbackBytes += result.size;
      if (result.arrival > this.feedbackLastArrival) this.feedbackLastArrival = result.arrival;
      this.feedbackPackets++;
    }
    if (delay < this.feedbackMin) this.feedbackMin = delay;
    if (result.sentAt - this.floorBucketStart >= 1000) {
      if (Number.isFinite(this.floorBucketMin)) this.floorBuckets.push({ start: this.floorBucketStart, min: this.floorBucketMin });
      this.floorBucketStart = result.sentAt;
      this.floorBucketMin = Infinity;
      while (this.floorBuckets.length > 0 && result.sentAt - this.floorBuckets[0]!.start > FLOOR_WINDOW_MS) this.floorBuckets.shift();
    }
    if (delay < this.floorBucketMin) this.floorBucketMin = delay;
    this.ackArrivals.push(result.arrival);
    this.ackSizes.push(result.size);
    this.ackBytes += result.size;
    while (this.ackHead < this.ackArrivals.length && result.arrival - this.ackArrivals[this.ackHead]! > ACK_WINDOW_MS) {
      this.ackBytes -= this.ackSizes[this.ackHead]!;
      this.ackHead++;
    }
    if (this.ackHead > 1024) {
      this.ackArrivals.splice(0, this.ackHead);
      this.ackSizes.splice(0, this.ackHead);
      this.ackHead = 0;
    }
  }

  /** After the packets of one feedback message: judges the queue and backs off when there is one. */
  endFeedback(now: number): void {
    if (!Number.isFinite(this.feedbackMin)) return;
    const delay = this.feedbackMin;
    const span = this.feedbackLastArrival - this.feedbackFirstArrival;
    const queuedRate = this.feedbackPackets >= 5 && span >= 20 ? (this.feedbackBytes * 8000) / span : undefined;
    this.feedbackMin = Infinity;
    this.feedbackFloor = NaN;
    this.feedbackFirstArrival = Infinity;
    this.feedbackLastArrival = -Infinity;
    this.feedbackBytes = 0;
    this.feedbackPackets = 0;
    const queue = delay - this.floor();
    const growing = delay - this.previousDelay > GROWTH_MS;
    this.previousDelay = delay;
    this.growingStreak = queue > QUEUE_MS && growing ? this.growingStreak + 1 : 0;
    this.standingStreak = queue > STANDING_QUEUE_MS ? this.standingStreak + 1 : 0;
    if (!this.queueing) return;
    this.lastQueueAt = now;
    // Not more often than every 200 ms: the first cut may still count arrivals from before the
    // queue; a queue that keeps growing after it needs the next cut soon, before layers are chosen.
    if (now - this.lastDecreaseAt < DECREASE_INTERVAL_MS) return;
    // What the bottleneck passes: the spacing of queued packets. Without it, what arrived lately
    // says what was sent, which is the path's rate only if the sender filled the estimate: a
    // sender that used a fraction of it (encoders ramping up, a paused layer) would drop it to
    // that fraction on one delay spike, and only probes climb back. So that cut halves at most.
    let next: number;
    if (queuedRate !== undefined) next = Math.min(this.value, queuedRate * BACKOFF);
    else {
      const acked = this.ackedRate;
      next = acked !== undefined ? Math.min(this.value, Math.max(acked * BACKOFF, this.value * UNMEASURED_CUT)) : this.value * BACKOFF;
    }
    this.value = Math.max(this.options.min, next);
    this.lastDecreaseAt = now;
  }

  /** Moves the estimate forward in time (loss, growth); call every few hundred ms. */
  update(now: number): number {
    const dt = this.lastUpdateAt === undefined ? 0 : Math.min(2, (now - this.lastUpdateAt) / 1000);
    this.lastUpdateAt = now;
    const total = this.received + this.lost;
    let loss = 0;
    if (total >= LOSS_MIN_PACKETS) {
      loss = this.lost / total;
      this.received = 0;
      this.lost = 0;
    }
    if (loss > LOSS_THRESHOLD) {
      if (now - this.lastDecreaseAt >= 1000) {
        this.value = Math.max(this.options.min, this.value * (1 - 0.5 * loss));
        this.lastDecreaseAt = now;
      }
    } else if (!this.queueing && now - this.lastDecreaseAt >= 1000) {
      const acked = this.ackedRate;
      // What arrives without a queue, the path carries: an estimate below it (the lowest layers
      // alone send more after a cut) is raised to it at once, as a probe's would be, rather than
      // by 8 %/s, and probes from there (a target at most 3 × the estimate must exceed what is sent).
      if (acked !== undefined && acked * PROBE_CREDIT > this.value) this.value = acked * PROBE_CREDIT;
      const cap = acked === undefined ? this.options.max : acked * ACK_HEADROOM + 50_000;
      if (this.value < cap) this.value = Math.min(cap, this.value * Math.pow(INCREASE_PER_SECOND, dt));
    }
    this.value = Math.min(this.options.max, this.value);
    return this.value;
  }

  /**
   * The rate to probe at now when `wanted` bit/s would be used (0: no probe now): above the
   * estimate, at most three times it, not while a probe is out or soon after a queue.
   */
  probeTarget(wanted: number, now: number): number {
    if (this.probing || wanted <= this.value || now < this.nextProbeAt || now - this.lastQueueAt < PROBE_QUIET_MS) return 0;
    return Math.min(this.options.max, Math.max(wanted * 1.2, this.value * 1.5), this.value * 3);
  }

  /** A probe for `wanted` bit/s went out. */
  probeStarted(wanted: number): void {
    this.probing = true;
    this.probeWanted = wanted;
  }

  /**
   * What the probe's packets did: arriving as fast as they were sent means the path carries
   * that rate; arriving spread out, the spread says what it carries.
   */
  probeFinished(rates: ClusterRates, now: number): void {
    this.probing = false;
    const before = this.value;
    if (rates.received >= 5 && rates.lost <= rates.received / 4) {
      const carried = PROBE_CREDIT * Math.min(rates.sendRate, rates.receiveRate);
      if (carried > this.value) this.value = Math.min(this.options.max, carried);
    }
    // Progress (or enough) probes again soon; a probe that changed nothing waits longer.
    const progressed = this.value >= this.probeWanted || this.value >= before * 1.2;
    this.probeInterval = progressed ? PROBE_INTERVAL_MS : Math.min(PROBE_MAX_INTERVAL_MS, this.probeInterval * 2);
    this.nextProbeAt = now + this.probeInterval;
  }

  private floor(): number {
    let min = this.floorBucketMin;
    for (const b of this.floorBuckets) if (b.min < min) min = b.min;
    return min;
  }
}
