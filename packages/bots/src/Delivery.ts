import type { Bot } from "./Bot.js";
import type { ReceivedTrack } from "./ReceivedTrack.js";

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
    private readonly publisher: Bot,
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
    this.seen.fill(0);
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
