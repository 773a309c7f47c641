import { RtcpPayloadSpecificFeedback, type RTCRtpTransceiver, type RtpPacket } from "werift";

/** Feedback message type of a Full Intra Request (RFC 5104 §4.3.1). */
const FIR_FMT = 4;
import type { ForwardedTrack, RtpSink } from "./ForwardedTrack.js";
import { RtpWriter } from "./RtpWriter.js";
import { isVp8KeyframeStart } from "./vp8.js";

/** RTP clock rate of video, Hz. */
const VIDEO_CLOCK_RATE = 90_000;
/** RTP clock rate of Opus, Hz (RFC 7587 §4.1). */
const AUDIO_CLOCK_RATE = 48_000;

/**
 * One forwarded track as sent to one subscriber (mediasoup's Consumer): writes RTP into the
 * subscriber's sender (which rewrites SSRC and payload type and keeps a NACK history) and
 * passes the subscriber's keyframe requests (PLI, FIR) up to the track.
 */
export class DownTrack implements RtpSink {
  private closed = false;
  private paused = false;
  /** After a resume, video restarts at a keyframe so the receiver can decode at once. */
  private awaitingKeyframe = false;
  /** The size the receiver shows this video at (for layer selection). */
  viewSize: { width: number; height: number } | undefined;
  private readonly unsubscribers: (() => void)[] = [];
  private readonly writer: RtpWriter;

  constructor(
    readonly track: ForwardedTrack,
    readonly participantId: string,
    readonly transceiver: RTCRtpTransceiver,
  ) {
    const sender = transceiver.sender;
    this.writer = new RtpWriter(sender, track.kind === "video" ? VIDEO_CLOCK_RATE : AUDIO_CLOCK_RATE);
    this.unsubscribers.push(
      sender.onPictureLossIndication.subscribe(() => track.requestKeyframe()).unSubscribe,
      sender.onRtcp.subscribe((packet) => {
        if (
          packet.type === RtcpPayloadSpecificFeedback.type &&
          (packet as RtcpPayloadSpecificFeedback).feedback.count === FIR_FMT
        ) {
          track.requestKeyframe();
        }
      }).unSubscribe,
    );
    track.addSink(this);
  }

  get mid(): string | undefined {
    return this.transceiver.mid ?? undefined;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * Stops or resumes forwarding (the receiver does not show this video). On resume the
   * stream continues without a sequence gap (so the receiver does not NACK what it never
   * needed) and restarts at a keyframe.
   */
  setPaused(paused: boolean): void {
    if (this.closed || paused === this.paused) return;
    this.paused = paused;
    if (paused) return;
    this.awaitingKeyframe = this.track.kind === "video";
    this.track.requestKeyframe();
  }

  forward(packet: RtpPacket): void {
    if (this.closed || this.paused) return;
    if (this.awaitingKeyframe) {
      if (!isVp8KeyframeStart(packet.payload)) return;
      this.awaitingKeyframe = false;
      this.writer.rebase(packet);
    }
    this.writer.write(packet);
  }

  /** Detaches from the track; idempotent. The transceiver is stopped by the subscriber. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.track.removeSink(this);
    this.writer.close();
    for (const off of this.unsubscribers) off();
  }
}
