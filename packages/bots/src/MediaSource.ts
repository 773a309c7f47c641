import { readFileSync } from "node:fs";
import { RtpHeader, RtpPacket } from "werift";
import { fixturePath } from "./fixtures.js";
import { parseIvf, type IvfFrame } from "./media/ivf.js";
import { parseOggOpus } from "./media/ogg.js";
import { Vp8Packetizer, isVp8Keyframe } from "./rtp/vp8.js";

/** VP8 frames and Opus packets, loaded once and shared by every bot of the process. */
export interface MediaFiles {
  video: IvfFrame[];
  audio: Buffer[];
}

let cached: MediaFiles | undefined;

/** Loads the fixture media (run `scripts/media-fixtures.mjs` first). */
export function loadMedia(): MediaFiles {
  cached ??= {
    video: parseIvf(readFileSync(fixturePath("video.ivf"))).frames,
    audio: parseOggOpus(readFileSync(fixturePath("audio.ogg"))),
  };
  return cached;
}

const VIDEO_CLOCK = 90_000;
const FPS = 30;

/**
 * Turns the looped VP8 file into RTP packets: continuous sequence numbers and timestamps
 * across loops, a 15-bit PictureID, and a jump back to the file's first keyframe when the
 * receiver side asks for one (PLI/FIR).
 */
export class VideoPacketSource {
  private readonly packetizer: Vp8Packetizer;
  private frameIndex = 0;
  private sequence = Math.floor(Math.random() * 0xffff);
  private timestamp = Math.floor(Math.random() * 0xffffffff);
  private keyframeWanted = false;
  private frameStep: number;
  framesSent = 0;
  keyframesSent = 0;

  constructor(
    private readonly frames: IvfFrame[],
    /** Frames per second the stream claims (timestamps advance by 90000/fps per frame). */
    fps = FPS,
    maxPayload = 1200,
  ) {
    this.packetizer = new Vp8Packetizer(maxPayload);
    this.frameStep = Math.round(VIDEO_CLOCK / fps);
  }

  /** Makes the next frame a keyframe (restarts the file, which begins with one). */
  requestKeyframe(): void {
    this.keyframeWanted = true;
  }

  /** The RTP packets of the next frame. */
  nextFrame(): RtpPacket[] {
    if (this.keyframeWanted || this.frameIndex >= this.frames.length) {
      this.frameIndex = 0;
      this.keyframeWanted = false;
    }
    const frame = this.frames[this.frameIndex++]!.data;
    if (isVp8Keyframe(frame)) this.keyframesSent++;
    const payloads = this.packetizer.packetize(frame);
    const packets = payloads.map((payload, i) => {
      const header = new RtpHeader({
        payloadType: 96,
        sequenceNumber: this.sequence,
        timestamp: this.timestamp,
        marker: i === payloads.length - 1,
        ssrc: 1,
      });
      this.sequence = (this.sequence + 1) & 0xffff;
      return new RtpPacket(header, payload);
    });
    this.timestamp = (this.timestamp + this.frameStep) >>> 0;
    this.framesSent++;
    return packets;
  }
}

/** Turns the looped Opus packets into RTP (20 ms each, 960 samples at 48 kHz). */
export class AudioPacketSource {
  private index = 0;
  private sequence = Math.floor(Math.random() * 0xffff);
  private timestamp = Math.floor(Math.random() * 0xffffffff);

  constructor(private readonly packets: Buffer[]) {}

  next(): RtpPacket {
    const payload = this.packets[this.index]!;
    this.index = (this.index + 1) % this.packets.length;
    const header = new RtpHeader({ payloadType: 111, sequenceNumber: this.sequence, timestamp: this.timestamp, marker: false, ssrc: 2 });
    this.sequence = (this.sequence + 1) & 0xffff;
    this.timestamp = (this.timestamp + 960) >>> 0;
    return new RtpPacket(header, payload);
  }
}
