import { RTCRtpReceiver, RTP_EXTENSION_URI, type RtpPacket } from "werift";
import { patchStreamStats } from "./fastStreamStats.js";
import { sourceFingerprint } from "./weriftSource.js";

/** The parts of werift's receiver, codecs and track its handleRTP uses. */
interface Codec {
  name: string;
  [LOWER]?: { name: string; lower: string };
}
interface Track {
  kind: string;
  onReceiveRtp: { execute(packet: RtpPacket, extensions: unknown): void };
}
interface Receiver {
  stopped: boolean;
  codecs: Record<number, Codec | undefined>;
  remoteStreams: Record<number, { add(packet: RtpPacket): void } | undefined>;
  receiverTWCC?: { handleTWCC(transportSequenceNumber: unknown): void };
  twccEnabled: unknown;
  nackEnabled: unknown;
  nack: { addPacket(packet: RtpPacket): void };
  setupTWCC(ssrc: number): void;
  runRtcp(): unknown;
  handleRTP(this: Receiver, packet: RtpPacket, extensions: Record<string, unknown>, track: Track | undefined): void;
}

const LOWER = Symbol("confab.lowerCodecName");

/** `codec.name.toLowerCase()`, kept per codec while its name is the same ("VP8" made a new "vp8" twice a packet). */
export function lowerName(codec: Codec): string {
  const name = codec.name;
  const cached = codec[LOWER];
  if (cached !== undefined && cached.name === name) return cached.lower;
  const lower = name.toLowerCase();
  codec[LOWER] = { name, lower };
  return lower;
}

/** werift 0.25's RTCRtpReceiver.handleRTP ({@link sourceFingerprint}). */
export const KNOWN_HANDLE_RTP = "fb1f1da49a41aa98";

let installed = false;

/**
 * Replaces werift's RTCRtpReceiver.handleRTP (each publisher packet after routing) with one that
 * does the same for a packet of a stream it has seen, on a codec other than RTX and RED:
 * receive statistics, transport-wide feedback (or setting it up), NACK tracking for video, a
 * copy of the packet to the track, the report loop started — without the two lower-cased
 * codec names per packet ({@link lowerName}). The first packet of a stream, RTX and RED packets
 * go to werift's own handleRTP; after the first the statistics' prototype gets the `add`
 * without a decimal string ({@link patchStreamStats}). Only when handleRTP is the version this
 * was written for. Idempotent; call before the first peer connection of the thread.
 */
export function installFastHandleRtp(): void {
  if (installed) return;
  installed = true;
  const proto = RTCRtpReceiver.prototype as unknown as Receiver;
  const werift = proto.handleRTP;
  if (sourceFingerprint(werift) !== KNOWN_HANDLE_RTP) return;
  proto.handleRTP = function (this: Receiver, packet, extensions, track) {
    if (this.stopped) return;
    const header = packet.header;
    const codec = this.codecs[header.payloadType];
    if (!codec) return;
    const lower = lowerName(codec);
    const stats = this.remoteStreams[header.ssrc];
    if (stats == undefined || lower === "rtx" || lower === "red") {
      werift.call(this, packet, extensions, track);
      const made = this.remoteStreams[header.ssrc];
      if (made) patchStreamStats(made);
      return;
    }
    stats.add(packet);
    if (this.receiverTWCC) this.receiverTWCC.handleTWCC(extensions[RTP_EXTENSION_URI.transportWideCC]);
    else if (this.twccEnabled) this.setupTWCC(header.ssrc);
    if (track?.kind === "video" && this.nackEnabled) this.nack.addPacket(packet);
    if (track) track.onReceiveRtp.execute(packet.clone(), extensions);
    void this.runRtcp();
  };
}
