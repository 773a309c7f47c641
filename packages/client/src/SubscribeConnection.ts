import type { IceCandidate, SessionDescription, SubscribedTrack } from "@confab/protocol";
import { IceQueue, candidateToWire } from "./IceQueue.js";
import type { RemoteMedia } from "./RoomState.js";

/** Where the connection sends its signaling. */
export interface SubscribeSignals {
  answer(description: SessionDescription): void;
  candidate(candidate: IceCandidate | null): void;
}

/**
 * The downstream connection: the SFU offers one section per remote track whenever that set
 * changes, with a map from section `mid` to the track it carries; this side answers. Offers
 * are applied strictly in order.
 */
export class SubscribeConnection {
  readonly pc: RTCPeerConnection;
  private readonly ice: IceQueue;
  private chain: Promise<void> = Promise.resolve();
  private media: RemoteMedia[] = [];
  private closed = false;

  constructor(
    RTCPeerConnectionImpl: typeof RTCPeerConnection,
    config: RTCConfiguration,
    private readonly signals: SubscribeSignals,
    /** Called with the full set of received tracks after every applied offer. */
    private readonly onMedia: (media: readonly RemoteMedia[]) => void,
    private readonly onError: (error: unknown) => void,
  ) {
    this.pc = new RTCPeerConnectionImpl({ ...config, bundlePolicy: "max-bundle" });
    this.ice = new IceQueue(this.pc);
    this.pc.onicecandidate = (event) => {
      if (!this.closed) this.signals.candidate(candidateToWire(event.candidate));
    };
  }

  /** Tracks currently received. */
  get current(): readonly RemoteMedia[] {
    return this.media;
  }

  /** Queues a server offer. */
  handleOffer(description: SessionDescription, tracks: readonly SubscribedTrack[]): void {
    this.chain = this.chain
      .then(() => this.applyOffer(description, tracks))
      .catch((error) => {
        if (!this.closed) this.onError(error);
      });
  }

  addRemoteCandidate(candidate: IceCandidate | null): void {
    if (this.closed) return;
    this.chain = this.chain.then(() => this.ice.add(candidate));
  }

  /** Closes the connection; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pc.onicecandidate = null;
    this.pc.close();
    this.media = [];
  }

  private async applyOffer(description: SessionDescription, tracks: readonly SubscribedTrack[]): Promise<void> {
    if (this.closed) return;
    await this.pc.setRemoteDescription(description);
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    if (this.closed) return;
    const local = this.pc.localDescription;
    if (!local) throw new Error("the browser produced no local description");
    this.signals.answer({ type: "answer", sdp: local.sdp });
    await this.ice.flush();
    // Sections can be recycled for other tracks, so the mapping is rebuilt from the offer's map
    // rather than from `track` events.
    const byMid = new Map(this.pc.getTransceivers().map((t) => [t.mid, t]));
    const media: RemoteMedia[] = [];
    for (const entry of tracks) {
      const transceiver = byMid.get(entry.mid);
      if (!transceiver) continue;
      media.push({ participantId: entry.participantId, trackId: entry.trackId, track: transceiver.receiver.track });
    }
    this.media = media;
    this.onMedia(media);
  }
}
