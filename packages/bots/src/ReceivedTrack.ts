import type { RtpPacket } from "werift";
import type { IvfFrame } from "./media/ivf.js";
import { Vp8FrameAssembler } from "./rtp/vp8.js";

/** Counts what a bot receives of one remote track, and can keep its frames for decoding. */
export class ReceivedTrack {
  packets = 0;
  bytes = 0;
  frames = 0;
  keyframes = 0;
  /** The frame size in the last complete keyframe (which simulcast layer arrives). */
  keyframeSize: { width: number; height: number } | undefined;
  private readonly sequences = new Set<number>();
  private cycles = 0;
  private lastSeq: number | undefined;
  private readonly assembler: Vp8FrameAssembler | undefined;
  private recording: IvfFrame[] | undefined;

  constructor(
    readonly participantId: string,
    readonly trackId: string,
    readonly kind: "audio" | "video",
  ) {
    if (kind === "video") this.assembler = new Vp8FrameAssembler();
  }

  /** Distinct packets received (extended sequence numbers, so retransmissions count once). */
  get distinctPackets(): number {
    return this.sequences.size;
  }

  /**
   * Counts a packet known only by its clear RTP header (a bot that does not decrypt, for load
   * tests where another subscriber checks the media).
   */
  onHeader(sequenceNumber: number, payloadBytes: number): void {
    this.count(sequenceNumber, payloadBytes);
  }

  private count(seq: number, payloadBytes: number): void {
    this.observer?.(seq, performance.now());
    this.packets++;
    this.bytes += payloadBytes;
    // Extend to 32 bits across wraps (RFC 3550 A.1, simplified: in-order-ish arrival).
    if (this.lastSeq !== undefined && seq < 0x1000 && this.lastSeq > 0xf000) this.cycles++;
    this.lastSeq = seq;
    this.sequences.add(this.cycles * 0x10000 + seq);
  }

  /** The highest sequence number received, extended to 32 bits (-1 before the first packet). */
  get highestSequence(): number {
    return this.lastSeq === undefined ? -1 : this.cycles * 0x10000 + this.lastSeq;
  }

  /** Frames dropped because packets were missing. */
  get droppedFrames(): number {
    return this.assembler?.dropped ?? 0;
  }

  /** Starts keeping complete frames (from the next keyframe on). */
  startRecording(): void {
    this.recording ??= [];
  }

  /** The frames kept since `startRecording`. */
  recorded(): IvfFrame[] {
    return this.recording ?? [];
  }

  /** Called with every packet on arrival (benchmarks measure delay with it). */
  observer: ((sequenceNumber: number, arrivedAt: number) => void) | undefined;

  onPacket(packet: RtpPacket): void {
    const seq = packet.header.sequenceNumber;
    this.count(seq, packet.payload.length);
    if (!this.assembler) return;
    const frame = this.assembler.push(seq, packet.header.timestamp, packet.header.marker, packet.payload);
    if (!frame) return;
    this.frames++;
    if (frame.keyframe) {
      this.keyframes++;
      // VP8 keyframe header (RFC 6386 §9.1): 3-byte tag, start code, 14-bit width and height.
      if (frame.data.length >= 10) {
        this.keyframeSize = { width: frame.data.readUInt16LE(6) & 0x3fff, height: frame.data.readUInt16LE(8) & 0x3fff };
      }
    }
    if (this.recording && (this.recording.length > 0 || frame.keyframe)) {
      this.recording.push({ timestamp: this.recording.length, data: frame.data });
    }
  }
}
