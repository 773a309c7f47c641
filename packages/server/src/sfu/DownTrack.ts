import { RtcpPayloadSpecificFeedback, type RTCRtpTransceiver, type RtpPacket } from "werift";

/** Feedback message type of a Full Intra Request (RFC 5104 §4.3.1). */
const FIR_FMT = 4;
import type { ForwardedTrack, RtpSink } from "./ForwardedTrack.js";

/**
 * One forwarded track as sent to one subscriber (mediasoup's Consumer): writes RTP into the
 * subscriber's sender (which rewrites SSRC and payload type and keeps a NACK history) and
 * passes the subscriber's keyframe requests (PLI, FIR) up to the track.
 */
export class DownTrack implements RtpSink {
  private closed = false;
  private readonly unsubscribers: (() => void)[] = [];

  constructor(
    readonly track: ForwardedTrack,
    readonly participantId: string,
    readonly transceiver: RTCRtpTransceiver,
  ) {
    const sender = transceiver.sender;
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

  forward(packet: RtpPacket): void {
    if (this.closed) return;
    this.transceiver.sender.sendRtp(packet).catch(() => {
      // The transport is closing; nothing to do for one packet.
    });
  }

  /** Detaches from the track; idempotent. The transceiver is stopped by the subscriber. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.track.removeSink(this);
    for (const off of this.unsubscribers) off();
  }
}
