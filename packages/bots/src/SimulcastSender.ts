import { readFileSync } from "node:fs";
import {
  RTP_EXTENSION_URI,
  RtcpPayloadSpecificFeedback,
  serializeSdesMid,
  serializeSdesRTPStreamID,
  type RTCRtpTransceiver,
  type RtcpPacket,
} from "werift";
import { fixturePath } from "./fixtures.js";
import { parseIvf, type IvfFrame } from "./media/ivf.js";
import { VideoPacketSource } from "./MediaSource.js";

/** The layers a simulcast bot sends, low to high, as a browser does for a 720p camera. */
export const BOT_LAYERS = [
  { rid: "q", fixture: "video-q.ivf" },
  { rid: "h", fixture: "video-h.ivf" },
  { rid: "f", fixture: "video-f.ivf" },
] as const;

let layerFrames: IvfFrame[][] | undefined;

/** The three layers' VP8 frames, loaded once per process. */
function loadLayers(): IvfFrame[][] {
  layerFrames ??= BOT_LAYERS.map((l) => parseIvf(readFileSync(fixturePath(l.fixture))).frames);
  return layerFrames;
}

/**
 * Adds RFC 8853 simulcast to the first video section of an offer: one `a=rid:<id> send` per
 * layer and `a=simulcast:send q;h;f`, as Chrome writes them.
 */
export function offerSimulcast(sdp: string, rids: readonly string[]): string {
  const sections = sdp.split(/\r\n(?=m=)/);
  const i = sections.findIndex((s) => s.startsWith("m=video"));
  if (i < 0) throw new Error("the offer has no video section");
  const lines = sections[i]!.replace(/\r\n$/, "").split("\r\n");
  lines.push(...rids.map((r) => `a=rid:${r} send`), `a=simulcast:send ${rids.join(";")}`);
  sections[i] = lines.join("\r\n");
  return sections.join("\r\n") + (sdp.endsWith("\r\n") && !sections.at(-1)!.endsWith("\r\n") ? "\r\n" : "");
}

/** The id the SDP gives a header extension, or throws. */
function extmapId(sdp: string, uri: string): number {
  const match = new RegExp(`a=extmap:(\\d+)(?:/\\w+)? ${uri.replace(/[.:/]/g, "\\$&")}`).exec(sdp);
  if (!match) throw new Error(`the offer does not negotiate ${uri}`);
  return Number(match[1]);
}

/**
 * Sends a camera as three simulcast layers on one transceiver, as Chrome does: one SSRC per
 * layer, each packet tagged with the section's MID and its layer's RID (RFC 8852), keyframes
 * on PLI/FIR for that layer's SSRC, and layers paused or resumed when the SFU says (`layers`).
 * werift's sender has one SSRC per section, so packets go straight to the DTLS transport.
 */
export class SimulcastSender {
  /** Which layers are sent (dynacast). */
  active: boolean[] = BOT_LAYERS.map(() => true);
  readonly sources: VideoPacketSource[];
  readonly ssrcs: number[];
  keyframeRequests = 0;
  packetsSent = 0;
  private readonly midId: number;
  private readonly ridId: number;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly transceiver: RTCRtpTransceiver,
    offerSdp: string,
  ) {
    this.sources = loadLayers().map((frames) => new VideoPacketSource(frames));
    const base = (Math.random() * 0x7fffffff) >>> 0;
    this.ssrcs = BOT_LAYERS.map((_, i) => (base + i) >>> 0);
    this.midId = extmapId(offerSdp, RTP_EXTENSION_URI.sdesMid);
    this.ridId = extmapId(offerSdp, RTP_EXTENSION_URI.sdesRTPStreamID);
    const { unSubscribe } = transceiver.sender.dtlsTransport.onRtcp.subscribe((rtcp) => this.onRtcp(rtcp));
    this.unsubscribe = unSubscribe;
  }

  /** Sends the next frame of every active layer. */
  sendFrame(): void {
    const mid = this.transceiver.mid;
    if (!mid) return;
    const dtls = this.transceiver.sender.dtlsTransport;
    this.sources.forEach((source, layer) => {
      if (!this.active[layer]) return;
      for (const packet of source.nextFrame()) {
        const { header } = packet;
        header.ssrc = this.ssrcs[layer]!;
        header.extension = true;
        header.extensions = [
          { id: this.midId, payload: serializeSdesMid(mid) },
          { id: this.ridId, payload: serializeSdesRTPStreamID(BOT_LAYERS[layer]!.rid) },
        ].sort((a, b) => a.id - b.id);
        this.packetsSent++;
        void dtls.sendRtp(packet.payload, header);
      }
    });
  }

  /** Stops listening for keyframe requests; idempotent. */
  close(): void {
    this.unsubscribe();
  }

  private onRtcp(rtcp: RtcpPacket): void {
    if (!(rtcp instanceof RtcpPayloadSpecificFeedback)) return;
    const feedback = rtcp.feedback as { count: number; mediaSsrc: number; fir?: { ssrc: number }[] };
    const targets = feedback.count === 4 ? (feedback.fir ?? []).map((f) => f.ssrc) : feedback.count === 1 ? [feedback.mediaSsrc] : [];
    for (const ssrc of targets) {
      const layer = this.ssrcs.indexOf(ssrc);
      if (layer < 0) continue;
      this.keyframeRequests++;
      this.sources[layer]!.requestKeyframe();
    }
  }
}
