import { performance } from "node:perf_hooks";
import type { MediaStreamTrack, RTCRtpReceiver, RtpPacket } from "werift";
import { KeyframeThrottle } from "./KeyframeThrottle.js";
import { PacketRing } from "./PacketRing.js";
import { forwardingStats } from "./stats.js";
import { vp8KeyframeSize } from "./vp8.js";

/**
 * Bytes of a video layer's recent payloads kept for every receiver's retransmissions: ~1.7 s of
 * a 2.5 Mbit/s layer (RtpWriter resends nothing older than 1 s).
 */
export const LAYER_HISTORY_BYTES = 512 * 1024;

/** Where a packet's payload is kept in its layer's shared ring (position -1: not kept). */
export interface KeptPayload {
  ring: PacketRing | undefined;
  position: number;
  length: number;
}

/** Bitrate is measured over windows of this length. */
const RATE_WINDOW_MS = 1000;
/** A layer that sent nothing for this long is not live (the publisher paused or dropped it). */
const LIVE_TIMEOUT_MS = 1500;

/**
 * One simulcast layer (or the only stream) of a published track: its SSRC once known, the
 * frame size seen in its last keyframe, its bitrate, and a throttled keyframe request.
 */
export class TrackLayer {
  /** Frame height seen in the layer's last keyframe (0: none yet). */
  height = 0;
  /** Bits per second over the last complete window. */
  bitrate = 0;
  /**
   * Complete windows measured since the layer (re)started: the first ones catch an encoder
   * still ramping up (a few kbit/s), which would make the layer look cheap to every receiver.
   */
  private windows = 0;
  /** The layer's SSRC, learnt from its packets (werift does not set it on rid-routed tracks). */
  ssrc: number | undefined;
  private windowStart = 0;
  private windowBytes = 0;
  private lastPacketAt = -Infinity;
  private source?: { track: MediaStreamTrack; receiver: RTCRtpReceiver };
  private readonly keyframes: KeyframeThrottle;
  /**
   * The payloads of the layer's recent packets, once for all receivers: each receiver's
   * RtpWriter keeps where its packets are (RTX resends them from here) instead of a copy of its
   * own. A copy per receiver was 30 copies of every packet at a fan-out of 30, and 256 KiB of
   * history per receiver and video.
   */
  readonly payloads = new PacketRing(0, LAYER_HISTORY_BYTES);

  constructor(
    readonly index: number,
    readonly rid: string | undefined,
    keyframeIntervalMs: number,
  ) {
    this.keyframes = new KeyframeThrottle(keyframeIntervalMs, () => this.sendKeyframeRequest());
  }

  attach(track: MediaStreamTrack, receiver: RTCRtpReceiver): void {
    this.source = { track, receiver };
  }

  /** Whether packets arrived recently. */
  get live(): boolean {
    return performance.now() - this.lastPacketAt < LIVE_TIMEOUT_MS;
  }

  /** Whether {@link bitrate} describes the layer's steady rate (two windows since it started). */
  get bitrateSettled(): boolean {
    return this.windows >= 2 && this.live;
  }

  /** Accounts one incoming packet (size, rate, keyframe dimensions) that arrived at `now` (performance.now ms). */
  onPacket(packet: RtpPacket, video: boolean, now: number): void {
    this.lastPacketAt = now;
    this.ssrc = packet.header.ssrc;
    this.windowBytes += packet.payload.length + 12;
    const elapsed = now - this.windowStart;
    if (elapsed >= RATE_WINDOW_MS) {
      // A window far longer than one (the layer was paused) says little about its rate now.
      if (elapsed < 3 * RATE_WINDOW_MS) {
        this.bitrate = (this.windowBytes * 8000) / elapsed;
        this.windows++;
      } else {
        this.windows = 0;
      }
      this.windowStart = now;
      this.windowBytes = 0;
    }
    if (video && (packet.payload[0]! & 0x10) !== 0) {
      const size = vp8KeyframeSize(packet.payload);
      if (size) {
        this.height = size.height;
      }
    }
  }

  requestKeyframe(): void {
    this.keyframes.request();
  }

  /** Keeps `packet`'s payload in {@link payloads} and says where in `kept`. */
  keep(packet: RtpPacket, kept: KeptPayload): void {
    kept.ring = this.payloads;
    kept.position = this.payloads.put(packet.payload);
    kept.length = packet.payload.length;
  }

  close(): void {
    this.payloads.clear();
    this.keyframes.close();
    this.source = undefined;
  }

  private sendKeyframeRequest(): void {
    const source = this.source;
    const ssrc = this.ssrc ?? source?.track.ssrc;
    if (!source || ssrc === undefined) return;
    forwardingStats.keyframeRequests++;
    source.receiver.sendRtcpPLI(ssrc).catch(() => {
      // The transport may be closing; a lost PLI is retried by the receiver's next request.
    });
  }
}
