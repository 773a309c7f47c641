import type { MediaStreamTrack, RTCRtpReceiver, RtpPacket } from "werift";
import type { TrackInfo, TrackKind, TrackSource } from "@confab/protocol";
import { SafeEmitter } from "@confab/protocol";
import { KeyframeThrottle } from "./KeyframeThrottle.js";

/** Receives every RTP packet of a forwarded track. */
export interface RtpSink {
  /** Sends one packet downstream. Must not throw; must not keep `packet` past the call. */
  forward(packet: RtpPacket): void;
}

export type ForwardedTrackEvents = {
  /** The track was closed (publisher left or unpublished). */
  close: [];
};

/** RFC 6464 client-to-mixer audio level header extension. */
export const AUDIO_LEVEL_URI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

/** Counters shared by all forwarded tracks, read by the metrics endpoint. */
export const forwardingStats = { packetsIn: 0, packetsOut: 0, keyframeRequests: 0 };

/**
 * One published track inside the SFU (mediasoup's Producer): RTP arriving from the
 * publisher's receiver is fanned out to every subscriber's {@link RtpSink}, and keyframe
 * requests from subscribers reach the publisher, throttled.
 */
export class ForwardedTrack {
  readonly events: SafeEmitter<ForwardedTrackEvents>;
  muted: boolean;
  /** The publisher's header extension id for audio levels, if negotiated. */
  audioLevelExtId: number | undefined;
  /** Called with each packet's audio level (dBov, 0 loudest … 127 silence). */
  onAudioLevel: ((dbov: number) => void) | undefined;
  private readonly sinks = new Set<RtpSink>();
  private readonly keyframes: KeyframeThrottle;
  private source?: { track: MediaStreamTrack; receiver: RTCRtpReceiver; unsubscribe: () => void };
  private closed = false;

  constructor(
    readonly id: string,
    readonly kind: TrackKind,
    readonly sourceKind: TrackSource,
    readonly mid: string,
    muted: boolean,
    keyframeIntervalMs: number,
    onListenerError: (event: string, error: unknown) => void,
  ) {
    this.muted = muted;
    this.events = new SafeEmitter(onListenerError);
    this.keyframes = new KeyframeThrottle(keyframeIntervalMs, () => this.sendKeyframeRequest());
  }

  /** The wire description of this track. */
  get info(): TrackInfo {
    return { id: this.id, kind: this.kind, source: this.sourceKind, muted: this.muted };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Connects the werift receiver track that carries this track's RTP. */
  attach(track: MediaStreamTrack, receiver: RTCRtpReceiver): void {
    if (this.closed) return;
    this.source?.unsubscribe();
    const { unSubscribe } = track.onReceiveRtp.subscribe((packet) => this.onRtp(packet));
    this.source = { track, receiver, unsubscribe: unSubscribe };
    // A new source starts mid-stream for existing subscribers: get a keyframe out quickly.
    if (this.kind === "video" && this.sinks.size > 0) this.requestKeyframe();
  }

  addSink(sink: RtpSink): void {
    if (this.closed) return;
    this.sinks.add(sink);
    if (this.kind === "video") this.requestKeyframe();
  }

  removeSink(sink: RtpSink): void {
    this.sinks.delete(sink);
  }

  get sinkCount(): number {
    return this.sinks.size;
  }

  /** Asks the publisher for a keyframe (PLI), at most once per throttle interval. */
  requestKeyframe(): void {
    if (this.closed || this.kind !== "video") return;
    this.keyframes.request();
  }

  /** Stops forwarding and tells listeners; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.source?.unsubscribe();
    this.source = undefined;
    this.keyframes.close();
    this.sinks.clear();
    this.events.emit("close");
    this.events.removeAllListeners();
  }

  private onRtp(packet: RtpPacket): void {
    forwardingStats.packetsIn++;
    if (this.onAudioLevel && this.audioLevelExtId !== undefined) {
      for (const ext of packet.header.extensions) {
        // RFC 6464 §3: V bit, then the level as 7 bits of -dBov.
        if (ext.id === this.audioLevelExtId && ext.payload.length > 0) this.onAudioLevel(ext.payload[0]! & 0x7f);
      }
    }
    // Header extension ids are negotiated per leg; the downstream sender writes its own.
    packet.header.extensions = [];
    for (const sink of this.sinks) {
      sink.forward(packet);
      forwardingStats.packetsOut++;
    }
  }

  private sendKeyframeRequest(): void {
    const source = this.source;
    if (!source) return;
    const ssrc = source.track.ssrc;
    if (ssrc === undefined) return;
    forwardingStats.keyframeRequests++;
    source.receiver.sendRtcpPLI(ssrc).catch(() => {
      // The transport may be closing; a lost PLI is retried by the receiver's next request.
    });
  }
}
