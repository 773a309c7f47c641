import type { ReceivedTrack } from "./ReceivedTrack.js";

/** What a window needs of the publisher: its next video sequence number and packets sent. */
export interface VideoSource {
  readonly nextVideoSequence: number;
  readonly videoPacketsSent: number;
}

/**
 * Counts, for one receiver, which of the publisher's video packets sent inside a window
 * arrived (at least once, however late). Packets sent before or after the window never
 * count, so late arrivals cannot hide losses.
 */
export class DeliveryWindow {
  private readonly seen = new Uint8Array(0x10000);
  private first: number | undefined;
  private sent = 0;

  constructor(
    private readonly publisher: VideoSource,
    track: ReceivedTrack,
  ) {
    const previous = track.observer;
    track.observer = (seq, at) => {
      previous?.(seq, at);
      this.seen[seq] = 1;
    };
  }

  /** Opens the window at the publisher's next packet. */
  open(): void {
    this.clear();
    this.start();
  }

  /** Forgets what arrived so far; {@link start} then opens the window (open() does both). */
  clear(): void {
    this.seen.fill(0);
  }

  start(): void {
    this.first = this.publisher.nextVideoSequence;
    this.sent = this.publisher.videoPacketsSent;
  }

  /** Closes the window; returns how many packets were sent in it. */
  close(): number {
    this.sent = this.publisher.videoPacketsSent - this.sent;
    return this.sent;
  }

  /** Packets of the window that arrived (call after a grace period for retransmissions). */
  delivered(): number {
    if (this.first === undefined) return 0;
    let n = 0;
    for (let i = 0; i < Math.min(this.sent, 0x10000); i++) n += this.seen[(this.first + i) & 0xffff]!;
    return n;
  }
}
