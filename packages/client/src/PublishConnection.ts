import type { IceCandidate, PublishedTrack, SessionDescription, TrackSource } from "@confab/protocol";
import { IceQueue, candidateToWire } from "./IceQueue.js";

/** A local track to publish and what it carries. */
export interface LocalTrack {
  readonly source: TrackSource;
  readonly track: MediaStreamTrack;
}

/** Where the connection sends its signaling. */
export interface PublishSignals {
  offer(description: SessionDescription, tracks: PublishedTrack[]): void;
  candidate(candidate: IceCandidate | null): void;
}

/**
 * The upstream connection: this client offers one send-only section per local track; the SFU
 * answers. Tracks are declared by `mid` so the server knows which section is the camera.
 */
export class PublishConnection {
  readonly pc: RTCPeerConnection;
  private readonly ice: IceQueue;
  private readonly senders = new Map<TrackSource, RTCRtpSender>();
  private closed = false;

  constructor(
    RTCPeerConnectionImpl: typeof RTCPeerConnection,
    config: RTCConfiguration,
    private readonly signals: PublishSignals,
  ) {
    this.pc = new RTCPeerConnectionImpl({ ...config, bundlePolicy: "max-bundle" });
    this.ice = new IceQueue(this.pc);
    this.pc.onicecandidate = (event) => {
      if (!this.closed) this.signals.candidate(candidateToWire(event.candidate));
    };
  }

  /** Adds the tracks and sends the offer; `muted` gives each source's initial state. */
  async publish(tracks: readonly LocalTrack[], muted: (source: TrackSource) => boolean): Promise<void> {
    for (const { source, track } of tracks) {
      if (this.senders.has(source)) continue;
      const transceiver = this.pc.addTransceiver(track, { direction: "sendonly" });
      this.senders.set(source, transceiver.sender);
    }
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    if (this.closed) return;
    const declared: PublishedTrack[] = [];
    for (const transceiver of this.pc.getTransceivers()) {
      const track = transceiver.sender.track;
      const source = [...this.senders].find(([, s]) => s === transceiver.sender)?.[0];
      if (!track || !source || !transceiver.mid) continue;
      declared.push({ mid: transceiver.mid, kind: track.kind as "audio" | "video", source, muted: muted(source) });
    }
    const local = this.pc.localDescription;
    if (!local) throw new Error("the browser produced no local description");
    this.signals.offer({ type: "offer", sdp: local.sdp }, declared);
  }

  /** Whether a track of `source` is being sent. */
  has(source: TrackSource): boolean {
    return this.senders.has(source);
  }

  async handleAnswer(description: SessionDescription): Promise<void> {
    if (this.closed) return;
    await this.pc.setRemoteDescription(description);
    await this.ice.flush();
  }

  addRemoteCandidate(candidate: IceCandidate | null): Promise<void> {
    return this.closed ? Promise.resolve() : this.ice.add(candidate);
  }

  /** Closes the connection (local tracks stay with their owner); idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pc.onicecandidate = null;
    this.pc.close();
  }
}
