import { performance } from "node:perf_hooks";
import { RtcpPayloadSpecificFeedback, RtcpRrPacket, RtcpTransportLayerFeedback, TransportWideCC, type RTCRtpTransceiver, type RtpPacket } from "werift";
import type { ForwardedTrack, RtpSink } from "./ForwardedTrack.js";
import { RtpWriter, type ReceiverReport, type RetransmitBudget } from "./RtpWriter.js";
import { forwardingStats } from "./stats.js";
import type { TransportCc } from "./TransportCc.js";
import { getPictureId, setPictureId } from "./vp8.js";

/** Feedback message type of a Full Intra Request (RFC 5104 §4.3.1). */
const FIR_FMT = 4;
/** RTP clock rate of video, Hz. */
const VIDEO_CLOCK_RATE = 90_000;
/** RTP clock rate of Opus, Hz (RFC 7587 §4.1). */
const AUDIO_CLOCK_RATE = 48_000;
/**
 * While the layer a receiver should switch to (or start at) flows without the keyframe asked
 * for, it is asked for again this often (the track's KeyframeThrottle still coalesces requests).
 */
export const KEYFRAME_RETRY_MS = 1000;

/**
 * Replaces werift's send-side estimator on every sender. Defined once, here: an arrow function
 * made in the constructor kept the constructor's context — the DownTrack, its track, and
 * through the track's owner every participant of the room — alive for as long as the
 * transceiver, which werift keeps for the connection's whole life: a room that never emptied
 * kept everyone who had ever been in it (seen in heap snapshots of an SFU worker).
 */
const ignoreTransportFeedback = (): undefined => undefined;

/**
 * One forwarded track as sent to one subscriber (mediasoup's Consumer). Of a simulcast track it
 * forwards one layer, switching to the target layer at that layer's next keyframe and
 * rewriting what differs between layers (SSRC, sequence, timestamp, VP8 PictureID and
 * TL0PICIDX) so the receiver sees one continuous stream. Keyframe requests from the receiver
 * (PLI, FIR) go up to the layer it is receiving.
 */
export class DownTrack implements RtpSink {
  private closed = false;
  private paused = false;
  /** The next packet continues the numbering across a gap (an audio track was muted). */
  private rebaseNext = false;
  /** The layer being forwarded (-1: none yet, or waiting for a keyframe after a pause). */
  private current = -1;
  /** The layer the subscriber's allocation chose. */
  private target = 0;
  /** The size the receiver shows this video at (for layer selection). */
  viewSize: { width: number; height: number } | undefined;
  /** Receiver reports about this stream, for the subscriber's bandwidth estimate. */
  onReport: ((report: ReceiverReport) => void) | undefined;
  /** Transport-wide feedback the receiver addressed to this stream (it covers all of them). */
  onTransportFeedback: ((feedback: TransportWideCC) => void) | undefined;
  private readonly unsubscribers: (() => void)[] = [];
  private readonly writer: RtpWriter;
  private pictureIdDelta = 0;
  private tl0Delta = 0;
  private lastPictureId = -1;
  private lastTl0 = -1;
  /** Timestamp (source) of the keyframe the stream last started or switched at. */
  private keyframeTimestamp = -1;
  /** When the keyframe of the layer being waited for was last asked for (performance.now ms). */
  private keyframeAskedAt = -Infinity;

  constructor(
    readonly track: ForwardedTrack,
    readonly participantId: string,
    readonly transceiver: RTCRtpTransceiver,
    budget?: RetransmitBudget,
    cc?: TransportCc,
  ) {
    const sender = transceiver.sender;
    // werift's own send-side estimator would parse every transport-wide feedback again; the
    // subscriber's TwccEstimator is the one whose estimate is used.
    const bwe = (sender as unknown as { senderBWE?: { receiveTWCC?: unknown } }).senderBWE;
    if (bwe) bwe.receiveTWCC = ignoreTransportFeedback;
    this.writer = new RtpWriter(sender, track.kind === "video" ? VIDEO_CLOCK_RATE : AUDIO_CLOCK_RATE, budget, cc);
    this.unsubscribers.push(
      sender.onPictureLossIndication.subscribe(() => this.requestKeyframe()).unSubscribe,
      sender.onRtcp.subscribe((packet) => {
        if (packet.type === RtcpPayloadSpecificFeedback.type && (packet as RtcpPayloadSpecificFeedback).feedback.count === FIR_FMT) {
          this.requestKeyframe();
        } else if (packet.type === RtcpTransportLayerFeedback.type) {
          const feedback = (packet as RtcpTransportLayerFeedback).feedback;
          if (feedback instanceof TransportWideCC) this.onTransportFeedback?.(feedback);
        } else if (packet.type === RtcpRrPacket.type) {
          const report = this.writer.receiverReport(packet as RtcpRrPacket);
          if (report) this.onReport?.(report);
        }
      }).unSubscribe,
    );
    if (track.kind === "video") this.target = track.layers.length - 1;
    else this.current = 0; // audio needs no keyframe to start
    track.addSink(this);
    // A keyframe before the receiver's transport is up would be dropped, and would hold back
    // (KeyframeThrottle) the one the subscriber asks for when it connects.
    if (sender.dtlsTransport?.srtpStarted) this.requestKeyframe();
  }

  get mid(): string | undefined {
    return this.transceiver.mid ?? undefined;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** The layer forwarded now (-1: none). */
  get currentLayer(): number {
    return this.current;
  }

  get targetLayer(): number {
    return this.target;
  }

  get wantedLayer(): number {
    return this.paused ? -1 : this.target;
  }

  /** Whether a padding packet can go out on this stream now (flowing, between frames). */
  get canPad(): boolean {
    return !this.closed && !this.paused && this.current >= 0 && this.writer.canPad;
  }

  /** Sends one padding packet for a bandwidth probe; false when it cannot now. */
  sendPadding(bytes: number): boolean {
    return !this.closed && !this.paused && this.current >= 0 && this.writer.sendPadding(bytes);
  }

  /** Bits per second sent to the receiver recently. */
  get sendBitrate(): number {
    return this.writer.bitrate;
  }

  /**
   * Stops or resumes forwarding (the receiver does not show this video). On resume the
   * stream continues without a sequence gap (so the receiver does not NACK what it never
   * needed) and restarts at a keyframe.
   */
  setPaused(paused: boolean): void {
    if (this.closed || paused === this.paused) return;
    this.paused = paused;
    this.track.updateDemand();
    if (paused) return;
    if (this.track.kind === "video") this.current = -1;
    this.requestKeyframe();
  }

  /**
   * Chooses the layer to forward; the switch happens at that layer's next keyframe. `congested`:
   * the link cannot carry the current layer, so it stops at once (a short freeze until the
   * keyframe) rather than keep filling the queue the keyframe has to get through.
   */
  setTargetLayer(layer: number, congested = false): void {
    const next = Math.max(0, Math.min(layer, this.track.layers.length - 1));
    if (this.closed || next === this.target) return;
    if (congested && next < this.current) this.current = -1;
    this.target = next;
    this.track.updateDemand();
    if (next !== this.current && !this.paused) this.askForKeyframe(next, performance.now());
  }

  /** The track resumes after being muted: restart at a keyframe (video) without a sequence gap. */
  resume(): void {
    if (this.closed) return;
    if (this.track.kind === "video") {
      this.current = -1;
      if (!this.paused) this.requestKeyframe();
    } else {
      this.rebaseNext = true;
    }
  }

  forward(packet: RtpPacket, layer: number, now: number): void {
    if (this.closed || this.paused) return;
    if (this.rebaseNext) {
      this.rebaseNext = false;
      this.writer.rebase(packet);
    }
    if (layer !== this.current) {
      // Only the target layer's keyframe starts (or switches) the stream; while waiting for it,
      // the current layer keeps flowing.
      if (layer !== this.target) return;
      if (!this.track.packetInfo.keyframe) {
        // The layer flows but its keyframe has not come: the request, or the keyframe's first
        // packet, may have been lost, and a browser sends no keyframe unasked. Ask again.
        if (now - this.keyframeAskedAt >= KEYFRAME_RETRY_MS) this.askForKeyframe(layer, now);
        return;
      }
      this.switchTo(layer, packet);
    } else if (this.track.packetInfo.keyframe) {
      this.keyframeTimestamp = packet.header.timestamp;
    }
    const keyframe = packet.header.timestamp === this.keyframeTimestamp;
    if (this.track.isSimulcast) this.writeRewritten(packet, keyframe, now);
    else this.writer.write(packet, keyframe, now, this.track.keptPayload(packet));
  }

  /** Detaches from the track; idempotent. The transceiver is stopped by the subscriber. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.track.removeSink(this);
    this.writer.close();
    for (const off of this.unsubscribers) off();
  }

  private requestKeyframe(): void {
    if (this.track.kind !== "video") return;
    this.askForKeyframe(this.current >= 0 ? this.current : this.target, performance.now());
  }

  private askForKeyframe(layer: number, now: number): void {
    this.keyframeAskedAt = now;
    this.track.requestKeyframe(layer);
  }

  private switchTo(layer: number, keyframe: RtpPacket): void {
    if (this.current >= 0 && this.current !== layer) forwardingStats.layerSwitches++;
    this.current = layer;
    this.keyframeTimestamp = keyframe.header.timestamp;
    this.writer.rebase(keyframe);
    const p = this.track.packetInfo.vp8;
    if (this.track.isSimulcast && p.valid) {
      if (p.pictureIdOffset >= 0 && this.lastPictureId >= 0) {
        this.pictureIdDelta = this.lastPictureId + 1 - getPictureId(keyframe.payload, p);
      }
      if (p.tl0Offset >= 0 && this.lastTl0 >= 0) this.tl0Delta = this.lastTl0 + 1 - keyframe.payload[p.tl0Offset]!;
    }
  }

  /**
   * Writes a simulcast packet with PictureID and TL0PICIDX continued across layer switches.
   * The payload is shared with other subscribers: the fields are restored after encryption.
   */
  private writeRewritten(packet: RtpPacket, keyframe: boolean, now: number): void {
    const payload = packet.payload;
    const p = this.track.packetInfo.vp8;
    // Asked before the rewrite below: the layer keeps the publisher's bytes.
    const kept = this.track.keptPayload(packet);
    if (this.track.kind !== "video" || !p.valid) {
      this.writer.write(packet, keyframe, now, kept);
      return;
    }
    const o = p.pictureIdOffset;
    const saved0 = o >= 0 ? payload[o]! : 0;
    const saved1 = o >= 0 && p.pictureIdBits === 15 ? payload[o + 1]! : 0;
    const savedTl0 = p.tl0Offset >= 0 ? payload[p.tl0Offset]! : 0;
    if (o >= 0) {
      const mask = p.pictureIdBits === 15 ? 0x7fff : 0x7f;
      const id = (getPictureId(payload, p) + this.pictureIdDelta) & mask;
      setPictureId(payload, p, id);
      this.lastPictureId = id;
    }
    if (p.tl0Offset >= 0) {
      const tl0 = (savedTl0 + this.tl0Delta) & 0xff;
      payload[p.tl0Offset] = tl0;
      this.lastTl0 = tl0;
    }
    // The history keeps the layer's payload and the bytes rewritten here for this receiver.
    this.writer.write(packet, keyframe, now, kept, o, o >= 0 && p.pictureIdBits === 15 ? o + 1 : -1, p.tl0Offset);
    if (o >= 0) {
      payload[o] = saved0;
      if (p.pictureIdBits === 15) payload[o + 1] = saved1;
    }
    if (p.tl0Offset >= 0) payload[p.tl0Offset] = savedTl0;
  }
}
