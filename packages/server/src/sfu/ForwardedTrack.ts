import { performance } from "node:perf_hooks";
import type { MediaStreamTrack, RTCRtpReceiver, RtpPacket } from "werift";
import type { TrackInfo, TrackKind, TrackSource } from "@confab/protocol";
import { SafeEmitter } from "@confab/protocol";
import type { CapSlot } from "./PublishCap.js";
import { RTP_HEADER_BYTES } from "./PublishCap.js";
import type { RateLimitKind } from "./RateBucket.js";
import { forwardingStats } from "./stats.js";
import { TrackLayer, type KeptPayload } from "./TrackLayer.js";
import { isVp8KeyframeStart, readVp8Fields, type Vp8Fields } from "./vp8.js";

/** What the track parsed of the packet being fanned out, once for all its sinks. */
export interface PacketInfo {
  /** The packet starts a VP8 keyframe. */
  keyframe: boolean;
  /** Where PictureID/TL0PICIDX are (simulcast video only); `valid` false if unparsable. */
  vp8: Vp8Fields & { valid: boolean };
}

/** Receives every RTP packet of a forwarded track. */
export interface RtpSink {
  /**
   * Sends one packet of simulcast layer `layer` (0 for a track without simulcast) downstream.
   * Must not throw; must not keep `packet` past the call; may change the payload only if it
   * restores it before returning. `now`: when the packet arrived (performance.now ms), read
   * once for all sinks.
   */
  forward(packet: RtpPacket, layer: number, now: number): void;
  /** The layer this sink wants (-1: none, e.g. paused); read to decide which layers to pause. */
  readonly wantedLayer: number;
  /**
   * Forwarding resumes after a gap (the track was muted): continue the stream without a
   * sequence gap, at a keyframe for video.
   */
  resume?(): void;
}

export type ForwardedTrackEvents = {
  /** The track was closed (publisher left or unpublished). */
  close: [];
  /** Which simulcast layers some subscriber needs changed (dynacast: pause the others). */
  demand: [active: boolean[]];
  /** The publisher's cap paused this track (nothing forwarded) or resumed it; see PublishCap. */
  capped: [paused: boolean, limit: RateLimitKind];
};

/** RFC 6464 client-to-mixer audio level header extension. */
export const AUDIO_LEVEL_URI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

export { forwardingStats } from "./stats.js";

/** A layer no one wants stays active this long before the publisher is told to pause it. */
const DEMAND_DROP_DELAY_MS = 3000;

/**
 * One published track inside the SFU (mediasoup's Producer): RTP arriving from the
 * publisher's receiver — one stream per simulcast layer, low to high — is fanned out to every
 * subscriber's {@link RtpSink}; keyframe requests from subscribers reach the publisher,
 * throttled per layer; the layers subscribers want are reported as `demand`.
 */
export class ForwardedTrack {
  readonly events: SafeEmitter<ForwardedTrackEvents>;
  /** A muted track is not forwarded at all, whatever its publisher keeps sending. */
  muted: boolean;
  /** A moderator stopped this track (a screen share): never forwarded again. */
  private stoppedByModerator = false;
  /** The publisher's header extension id for audio levels, if negotiated. */
  audioLevelExtId: number | undefined;
  /** Called with each packet's audio level (dBov, 0 loudest … 127 silence). */
  onAudioLevel: ((dbov: number) => void) | undefined;
  /**
   * This track's place under its publisher's bitrate and packet-rate cap (set by the
   * publisher; undefined: uncapped). Every packet asks it first, whether muted or not.
   */
  capSlot: CapSlot | undefined;
  /** Simulcast layers, low to high; one layer for a track without simulcast. */
  readonly layers: TrackLayer[];
  /** Valid during `forward` calls only. */
  readonly packetInfo: PacketInfo = { keyframe: false, vp8: { pictureIdOffset: -1, pictureIdBits: 0, tl0Offset: -1, valid: false } };
  /** Where the video packet being forwarded now is kept for retransmissions (see {@link keptPayload}). */
  private readonly kept: KeptPayload = { ring: undefined, position: -1, length: 0 };
  /** That packet while it is forwarded, and its layer until its payload is kept. */
  private keepPacket: RtpPacket | undefined;
  private keepLayer: TrackLayer | undefined;
  private readonly sinks = new Set<RtpSink>();
  private readonly unsubscribers: (() => void)[] = [];
  private demand: boolean[];
  private demandTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly id: string,
    readonly kind: TrackKind,
    readonly sourceKind: TrackSource,
    readonly mid: string,
    muted: boolean,
    keyframeIntervalMs: number,
    onListenerError: (event: string, error: unknown) => void,
    /** Simulcast stream ids, low to high; empty without simulcast. */
    readonly rids: readonly string[] = [],
  ) {
    this.muted = muted;
    this.events = new SafeEmitter(onListenerError);
    const count = Math.max(1, rids.length);
    this.layers = Array.from({ length: count }, (_, i) => new TrackLayer(i, rids[i], keyframeIntervalMs));
    this.demand = this.layers.map(() => true);
  }

  /** Whether a moderator stopped this track for good. */
  get stopped(): boolean {
    return this.stoppedByModerator;
  }

  /**
   * Mutes (nothing is forwarded from the next packet on) or unmutes; an unmuted video asks
   * for a keyframe so receivers can decode at once.
   */
  setMuted(muted: boolean): void {
    if (this.muted === muted) return;
    this.muted = muted;
    if (muted) return;
    for (const sink of this.sinks) sink.resume?.();
    this.requestKeyframe();
  }

  /** Whether the publisher's cap has paused this track (its packets are dropped). */
  get capPaused(): boolean {
    return this.capSlot?.paused === true;
  }

  /**
   * The cap paused or resumed this track (the slot's state has changed already): tells
   * listeners, and a resumed track continues its subscribers' streams as after an unmute.
   */
  onCapChange(paused: boolean, limit: RateLimitKind): void {
    if (this.closed) return;
    if (!paused && !this.muted) {
      for (const sink of this.sinks) sink.resume?.();
      this.requestKeyframe();
    }
    this.events.emit("capped", paused, limit);
  }

  /** Stops forwarding for good (a moderator stopped a screen share); idempotent. */
  stop(): void {
    this.stoppedByModerator = true;
    this.muted = true;
  }

  /**
   * The wire description of this track, as others see it: muted also while the publish cap
   * pauses it (nothing of it is forwarded; receivers show no frozen frame).
   */
  get info(): TrackInfo {
    return { id: this.id, kind: this.kind, source: this.sourceKind, muted: this.muted || this.capPaused };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get isSimulcast(): boolean {
    return this.layers.length > 1;
  }

  /** Connects the werift receiver whose tracks (one per rid, or one) carry this track's RTP. */
  attach(receiver: RTCRtpReceiver): void {
    if (this.closed) return;
    for (const off of this.unsubscribers.splice(0)) off();
    for (const track of receiver.tracks) this.attachLayer(track, receiver);
    // A new source starts mid-stream for existing subscribers: get a keyframe out quickly.
    if (this.kind === "video" && this.sinks.size > 0) this.requestKeyframe();
  }

  addSink(sink: RtpSink): void {
    if (this.closed) return;
    this.sinks.add(sink);
    this.updateDemand();
  }

  removeSink(sink: RtpSink): void {
    this.sinks.delete(sink);
    this.updateDemand();
  }

  get sinkCount(): number {
    return this.sinks.size;
  }

  /** Asks the publisher for a keyframe (PLI) on `layer` (default: every layer in demand). */
  requestKeyframe(layer?: number): void {
    if (this.closed || this.kind !== "video") return;
    if (layer !== undefined) {
      this.layers[layer]?.requestKeyframe();
      return;
    }
    for (const l of this.layers) if (this.demand[l.index]) l.requestKeyframe();
  }

  /**
   * Recomputes which layers some sink wants (call when a sink's `wantedLayer` changes). A newly
   * wanted layer is reported at once; an unwanted one after a delay, so a receiver switching
   * back and forth does not make the publisher restart an encoder each time.
   */
  updateDemand(): void {
    if (this.closed || !this.isSimulcast) return;
    const wanted = this.wantedLayers();
    const added = wanted.some((w, i) => w && !this.demand[i]);
    const dropped = wanted.some((w, i) => !w && this.demand[i]);
    if (added) {
      // Keep wanted layers plus those still inside their drop delay.
      this.setDemand(wanted.map((w, i) => w || (this.demand[i] ?? false)));
    }
    if (dropped && !this.demandTimer) {
      this.demandTimer = setTimeout(() => {
        this.demandTimer = undefined;
        this.setDemand(this.wantedLayers());
      }, DEMAND_DROP_DELAY_MS);
      this.demandTimer.unref();
    }
  }

  /**
   * Where the video packet being forwarded now (`packet`, during a sink's `forward`) is kept
   * for every receiver's retransmissions: its layer keeps the payload at the first sink that
   * asks, so a layer nobody receives is not copied. Ask before changing the payload. Undefined
   * for any other packet, audio, or a payload too large to keep.
   */
  keptPayload(packet: RtpPacket): KeptPayload | undefined {
    if (packet !== this.keepPacket) return undefined;
    if (this.keepLayer) {
      this.keepLayer.keep(packet, this.kept);
      this.keepLayer = undefined;
    }
    return this.kept.position >= 0 ? this.kept : undefined;
  }

  /** Stops forwarding and tells listeners; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.unsubscribers.splice(0)) off();
    for (const layer of this.layers) layer.close();
    if (this.demandTimer) clearTimeout(this.demandTimer);
    this.sinks.clear();
    this.events.emit("close");
    this.events.removeAllListeners();
  }

  /** The layers some sink wants, plus the lowest: the fallback every switch down can land on. */
  private wantedLayers(): boolean[] {
    const wanted = this.layers.map((_, i) => i === 0);
    for (const sink of this.sinks) if (sink.wantedLayer >= 0) wanted[Math.min(sink.wantedLayer, wanted.length - 1)] = true;
    return wanted;
  }

  private setDemand(next: boolean[]): void {
    if (next.every((v, i) => v === this.demand[i])) return;
    this.demand = next;
    this.events.emit("demand", [...next]);
  }

  private attachLayer(track: MediaStreamTrack, receiver: RTCRtpReceiver): void {
    const index = track.rid === undefined ? 0 : this.rids.indexOf(track.rid);
    const layer = this.layers[index];
    if (!layer) return;
    layer.attach(track, receiver);
    const { unSubscribe } = track.onReceiveRtp.subscribe((packet) => this.onRtp(packet, layer));
    this.unsubscribers.push(unSubscribe);
  }

  private onRtp(packet: RtpPacket, layer: TrackLayer): void {
    forwardingStats.packetsIn++;
    // Past the publisher's cap, or paused by it: dropped before anything else is done with it.
    const slot = this.capSlot;
    if (slot !== undefined && !slot.admit(packet.payload.length + RTP_HEADER_BYTES)) return;
    // Muted (by its owner or a moderator) or stopped: nothing leaves the SFU.
    if (this.muted) return;
    const now = performance.now();
    layer.onPacket(packet, this.kind === "video", now);
    if (this.onAudioLevel && this.audioLevelExtId !== undefined) {
      for (const ext of packet.header.extensions) {
        // RFC 6464 §3: V bit, then the level as 7 bits of -dBov.
        if (ext.id === this.audioLevelExtId && ext.payload.length > 0) this.onAudioLevel(ext.payload[0]! & 0x7f);
      }
    }
    // Header extension ids are negotiated per leg; the downstream sender writes its own.
    packet.header.extensions = [];
    if (this.kind === "video") {
      const info = this.packetInfo;
      info.keyframe = isVp8KeyframeStart(packet.payload);
      if (this.isSimulcast) info.vp8.valid = readVp8Fields(packet.payload, info.vp8);
      this.keepPacket = packet;
      this.keepLayer = layer;
      this.kept.position = -1;
    }
    const index = layer.index;
    for (const sink of this.sinks) {
      sink.forward(packet, index, now);
      forwardingStats.packetsOut++;
    }
    this.keepPacket = undefined;
    this.keepLayer = undefined;
  }
}
