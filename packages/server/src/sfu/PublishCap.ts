import { RateBucket, type RateLimitKind } from "./RateBucket.js";
import { publishCapStats } from "./stats.js";

/** The limits of one participant's publishing (from `ServerConfig["rtc"]`). */
export interface PublishCapLimits {
  /** Bitrate cap over all its tracks, kbit/s (`RTC_MAX_PUBLISH_KBPS`; 0: no cap at all). */
  maxPublishKbps: number;
  /** Packet-rate cap over all its tracks, packets/s (`RTC_MAX_PUBLISH_PPS`; 0: no cap at all). */
  maxPublishPacketsPerSecond: number;
  /** Burst allowed above the caps, ms of each cap (`RTC_PUBLISH_BURST_MS`). */
  publishBurstMs: number;
  /** A paused track stays paused at least this long, ms (`RTC_PUBLISH_CAP_COOLDOWN_MS`). */
  publishCapCooldownMs: number;
}

/** Whether a limit changed a track's state: paused (`true`) or resumed. */
export type CapChange = (paused: boolean, limit: RateLimitKind) => void;

/** How often tokens are refilled and the pause/resume rules are applied, ms. */
export const CAP_TICK_MS = 100;
/** Packets refused for this long (net of quiet ticks) pause the track that sends most. */
export const PAUSE_AFTER_MS = 1000;
/** Ticks in the window over which the rate is measured before resuming (≈ 1 s). */
const RATE_WINDOW_TICKS = 10;
/** A paused track resumes only when everything the participant sends fits in this share of the caps. */
const RESUME_SHARE = 0.75;

/** Size counted for each packet: its payload plus a 12-byte RTP header (RFC 3550 §5.1). */
export const RTP_HEADER_BYTES = 12;

/**
 * One track's place under its participant's cap: counts what it sends and asks the shared
 * bucket, per packet; a paused track's packets are all refused (and still counted, so the
 * cap sees when the flood is over).
 */
export class CapSlot {
  /** Refused: every packet is dropped until the cap resumes the track. */
  paused = false;
  /** Packets and bytes that arrived since the last tick (passed or not). */
  packets = 0;
  bytes = 0;
  /** Packets refused since the last tick. */
  dropped = 0;
  /** Packets and bytes since the participant's packets began to be refused (to pick the offender). */
  excessPackets = 0;
  excessBytes = 0;
  /** When the cap paused it (its tick's time, ms) and which limit was hit. */
  pausedAt = 0;
  pausedFor: RateLimitKind = "bitrate";

  constructor(
    private readonly bucket: RateBucket,
    readonly onChange: CapChange,
  ) {}

  /** Whether a packet of `size` bytes may be forwarded; called for every packet of the track. */
  admit(size: number): boolean {
    this.packets++;
    this.bytes += size;
    if (!this.paused && this.bucket.take(size)) return true;
    this.dropped++;
    return false;
  }
}

/**
 * A participant's publish cap: one {@link RateBucket} over all its tracks, so past the burst
 * a publisher's packets beyond `RTC_MAX_PUBLISH_KBPS` / `RTC_MAX_PUBLISH_PPS` are dropped
 * before any subscriber sees them. When packets keep being refused for {@link PAUSE_AFTER_MS},
 * the track sending most (relative to the caps) is paused — all its packets dropped — and its
 * owner told; after the cool-down, once everything the participant sends (the paused track
 * included) fits in 3/4 of the caps over about a second, it resumes. Other participants are
 * never affected: each has its own bucket, and a dropped packet costs no forwarding.
 */
export class PublishCap {
  private readonly bucket: RateBucket | undefined;
  private readonly slots = new Set<CapSlot>();
  /** Runs {@link tick} while the cap has tracks (a participant that only watches costs no wakeups). */
  private timer: NodeJS.Timeout | undefined;
  private readonly autoTick: boolean;
  private lastTick: number;
  /** ms of refusals (net of quiet ticks) since the last pause. */
  private excessMs = 0;
  /** Per tick of the rate window: packets, bytes and ms (rings). */
  private readonly windowPackets = new Array<number>(RATE_WINDOW_TICKS).fill(0);
  private readonly windowBytes = new Array<number>(RATE_WINDOW_TICKS).fill(0);
  private readonly windowMs = new Array<number>(RATE_WINDOW_TICKS).fill(0);
  private windowIndex = 0;
  /** The bucket's refusal counts at the last pause (which limit bit since is the reason). */
  private refusedPackets = 0;
  private refusedBytes = 0;
  private closed = false;

  /**
   * @param autoTick run {@link tick} from a timer every {@link CAP_TICK_MS} (tests drive it by hand).
   */
  constructor(
    readonly limits: PublishCapLimits,
    private readonly now: () => number = () => performance.now(),
    autoTick = true,
  ) {
    const enabled = limits.maxPublishKbps > 0 && limits.maxPublishPacketsPerSecond > 0;
    this.bucket = enabled ? new RateBucket(limits.maxPublishPacketsPerSecond, limits.maxPublishKbps * 125, limits.publishBurstMs) : undefined;
    this.lastTick = Math.floor(this.now());
    this.autoTick = autoTick;
  }

  /** A slot for a new track (undefined when the cap is off); `onChange` hears pauses and resumes. */
  slot(onChange: CapChange): CapSlot | undefined {
    if (!this.bucket || this.closed) return undefined;
    const slot = new CapSlot(this.bucket, onChange);
    this.slots.add(slot);
    if (this.autoTick && !this.timer) {
      this.lastTick = Math.floor(this.now());
      this.timer = setInterval(() => this.tick(), CAP_TICK_MS);
      this.timer.unref();
    }
    return slot;
  }

  /** The track is gone. */
  release(slot: CapSlot | undefined): void {
    if (!slot) return;
    this.slots.delete(slot);
    if (this.slots.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Refills the bucket and applies the pause and resume rules; called every {@link CAP_TICK_MS}. */
  tick(nowMs = this.now()): void {
    const bucket = this.bucket;
    if (!bucket || this.closed) return;
    const now = Math.floor(nowMs);
    const elapsed = Math.max(0, now - this.lastTick);
    this.lastTick = now;
    bucket.refill(elapsed);
    let refused = false;
    let packets = 0;
    let bytes = 0;
    for (const slot of this.slots) {
      packets += slot.packets;
      bytes += slot.bytes;
      publishCapStats.packetsDropped += slot.dropped;
      if (!slot.paused) {
        if (slot.dropped > 0) refused = true;
        slot.excessPackets += slot.packets;
        slot.excessBytes += slot.bytes;
      }
      slot.packets = 0;
      slot.bytes = 0;
      slot.dropped = 0;
    }
    this.record(packets, bytes, elapsed);
    this.excessMs = refused ? this.excessMs + elapsed : Math.max(0, this.excessMs - elapsed);
    if (this.excessMs === 0) this.clearExcess();
    if (this.excessMs >= PAUSE_AFTER_MS) this.pauseOffender(bucket, now);
    this.resumeIfCalm(bucket, now);
  }

  /** Stops the timer (the bucket is refilled no more) and forgets the slots. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.slots.clear();
  }

  private record(packets: number, bytes: number, elapsed: number): void {
    const i = this.windowIndex;
    this.windowPackets[i] = packets;
    this.windowBytes[i] = bytes;
    this.windowMs[i] = elapsed;
    this.windowIndex = (i + 1) % RATE_WINDOW_TICKS;
  }

  private clearExcess(): void {
    for (const slot of this.slots) {
      slot.excessPackets = 0;
      slot.excessBytes = 0;
    }
  }

  /** Pauses the unpaused track that sent most since refusals began, relative to the caps. */
  private pauseOffender(bucket: RateBucket, now: number): void {
    let offender: CapSlot | undefined;
    let worst = -1;
    for (const slot of this.slots) {
      if (slot.paused) continue;
      const share = Math.max(slot.excessPackets / bucket.packetsPerSecond, slot.excessBytes / bucket.bytesPerSecond);
      if (share > worst) {
        worst = share;
        offender = slot;
      }
    }
    this.excessMs = 0;
    this.clearExcess();
    const byPackets = bucket.refusedByPackets - this.refusedPackets;
    const byBytes = bucket.refusedByBytes - this.refusedBytes;
    this.refusedPackets = bucket.refusedByPackets;
    this.refusedBytes = bucket.refusedByBytes;
    if (!offender) return;
    offender.paused = true;
    offender.pausedAt = now;
    offender.pausedFor = byPackets >= byBytes ? "packetRate" : "bitrate";
    publishCapStats.tracksPaused++;
    offender.onChange(true, offender.pausedFor);
  }

  /** Resumes the paused tracks past their cool-down when the participant's rate is back within bounds. */
  private resumeIfCalm(bucket: RateBucket, now: number): void {
    let ms = 0;
    let packets = 0;
    let bytes = 0;
    for (let i = 0; i < RATE_WINDOW_TICKS; i++) {
      ms += this.windowMs[i]!;
      packets += this.windowPackets[i]!;
      bytes += this.windowBytes[i]!;
    }
    const calm =
      ms > 0 &&
      packets * 1000 <= bucket.packetsPerSecond * ms * RESUME_SHARE &&
      bytes * 1000 <= bucket.bytesPerSecond * ms * RESUME_SHARE;
    if (!calm) return;
    for (const slot of this.slots) {
      if (!slot.paused || now - slot.pausedAt < this.limits.publishCapCooldownMs) continue;
      slot.paused = false;
      slot.onChange(false, slot.pausedFor);
    }
  }
}
