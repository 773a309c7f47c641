import type { IceCandidate, PublishedTrack, SessionDescription, TrackSource } from "@confab/protocol";
import { IceQueue, candidateToWire } from "./IceQueue.js";

/** A local track to publish and what it carries. */
export interface LocalTrack {
  readonly source: TrackSource;
  readonly track: MediaStreamTrack;
}

/**
 * The camera's simulcast layers, low to high (the order the SFU numbers them in): 180p, 360p
 * and 720p of a 1280×720 camera. Browsers drop layers a smaller camera cannot fill.
 */
export const CAMERA_SIMULCAST: readonly RTCRtpEncodingParameters[] = [
  { rid: "q", scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: "h", scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: "f", scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
];

/** Where the connection sends its signaling. */
export interface PublishSignals {
  offer(description: SessionDescription, tracks: PublishedTrack[]): void;
  candidate(candidate: IceCandidate | null): void;
}

/**
 * The upstream connection: this client offers one send-only section per local source; the
 * SFU answers. Sections are declared by `mid` so the server knows which one is the camera.
 * Adding or removing a source renegotiates (one offer in flight at a time); replacing the
 * device of a published source does not.
 */
export class PublishConnection {
  readonly pc: RTCPeerConnection;
  private readonly ice: IceQueue;
  private readonly transceivers = new Map<TrackSource, RTCRtpTransceiver>();
  private awaitingAnswer = false;
  private layerUpdates: Promise<void> = Promise.resolve();
  private negotiationQueued = false;
  /** The next offer restarts ICE. */
  private iceRestartQueued = false;
  private closed = false;

  constructor(
    RTCPeerConnectionImpl: typeof RTCPeerConnection,
    config: RTCConfiguration,
    private readonly signals: PublishSignals,
    /** Each source's mute state, read when an offer is built. */
    private readonly isMuted: (source: TrackSource) => boolean,
    /** Send the camera as three simulcast layers. */
    private readonly simulcast = true,
  ) {
    this.pc = new RTCPeerConnectionImpl({ ...config, bundlePolicy: "max-bundle" });
    this.ice = new IceQueue(this.pc);
    this.pc.onicecandidate = (event) => {
      if (!this.closed) this.signals.candidate(candidateToWire(event.candidate));
    };
  }

  /** Publishes several sources with one offer. */
  async publish(tracks: readonly LocalTrack[]): Promise<void> {
    let changed = false;
    for (const { source, track } of tracks) changed = (await this.attach(source, track)) || changed;
    if (changed) await this.negotiate();
  }

  /**
   * Sends `track` as `source` (a new device for a published source is swapped in place),
   * or stops sending `source` when `track` is null.
   */
  async setTrack(source: TrackSource, track: MediaStreamTrack | null): Promise<void> {
    if (this.closed) return;
    const changed = track ? await this.attach(source, track) : await this.detach(source);
    if (changed) await this.negotiate();
  }

  /**
   * Stops sending `source` without renegotiating: its section stays, so a new device can be
   * put back with `setTrack` in place (used to release a muted camera).
   */
  async release(source: TrackSource): Promise<void> {
    await this.transceivers.get(source)?.sender.replaceTrack(null);
  }

  /**
   * Dynacast: encodes only the simulcast layers of section `mid` the SFU says someone needs
   * (`active`, low to high). Unknown sections and sections without layers are ignored.
   */
  async setLayers(mid: string, active: readonly boolean[]): Promise<void> {
    const run = this.layerUpdates.then(async () => {
      const transceiver = [...this.transceivers.values()].find((t) => t.mid === mid);
      if (this.closed || !transceiver) return;
      const params = transceiver.sender.getParameters();
      if (!params.encodings || params.encodings.length < 2) return;
      let changed = false;
      params.encodings.forEach((encoding, i) => {
        const want = active[i] ?? false;
        if (encoding.active !== want) {
          encoding.active = want;
          changed = true;
        }
      });
      if (changed) await transceiver.sender.setParameters(params);
    });
    this.layerUpdates = run.catch(() => undefined);
    return run;
  }

  /** Whether `source` is being sent. */
  has(source: TrackSource): boolean {
    const t = this.transceivers.get(source);
    return t !== undefined && t.direction === "sendonly" && t.sender.track !== null;
  }

  async handleAnswer(description: SessionDescription): Promise<void> {
    if (this.closed) return;
    await this.pc.setRemoteDescription(description);
    await this.ice.flush();
    this.awaitingAnswer = false;
    if (this.negotiationQueued) await this.negotiate();
  }

  /**
   * The signaling connection was replaced (a resume): an offer still waiting for its answer
   * may have been lost with the old one, so it is sent again.
   */
  resendPendingOffer(): void {
    const local = this.pc.localDescription;
    if (this.closed || !this.awaitingAnswer || !local || this.pc.signalingState !== "have-local-offer") return;
    this.signals.offer({ type: "offer", sdp: local.sdp }, this.declaredTracks());
  }

  /**
   * Restarts ICE (RFC 8445 §9: fresh credentials and candidates, same DTLS and tracks) with a
   * new offer, after the connection failed or the network changed. Queued behind an offer
   * still awaiting its answer.
   */
  async restartIce(): Promise<void> {
    if (this.closed) return;
    this.iceRestartQueued = true;
    await this.negotiate();
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

  /** Returns whether the set of sent sections changed (renegotiation needed). */
  private async attach(source: TrackSource, track: MediaStreamTrack): Promise<boolean> {
    const existing = this.transceivers.get(source);
    if (!existing) {
      const layered = this.simulcast && source === "camera" && track.kind === "video";
      const init: RTCRtpTransceiverInit = { direction: "sendonly" };
      if (layered) init.sendEncodings = CAMERA_SIMULCAST.map((e) => ({ ...e }));
      this.transceivers.set(source, this.pc.addTransceiver(track, init));
      return true;
    }
    await existing.sender.replaceTrack(track);
    if (existing.direction === "sendonly") return false;
    existing.direction = "sendonly";
    return true;
  }

  private async detach(source: TrackSource): Promise<boolean> {
    const existing = this.transceivers.get(source);
    if (!existing || existing.direction === "inactive") return false;
    await existing.sender.replaceTrack(null);
    existing.direction = "inactive";
    return true;
  }

  private async negotiate(): Promise<void> {
    if (this.closed) return;
    if (this.awaitingAnswer) {
      this.negotiationQueued = true;
      return;
    }
    this.negotiationQueued = false;
    this.awaitingAnswer = true;
    const iceRestart = this.iceRestartQueued;
    this.iceRestartQueued = false;
    const offer = await this.pc.createOffer(iceRestart ? { iceRestart: true } : undefined);
    await this.pc.setLocalDescription(offer);
    if (this.closed) return;
    const local = this.pc.localDescription;
    if (!local) throw new Error("the browser produced no local description");
    this.signals.offer({ type: "offer", sdp: local.sdp }, this.declaredTracks());
  }

  /** What each sent section of the current offer carries. */
  private declaredTracks(): PublishedTrack[] {
    const declared: PublishedTrack[] = [];
    for (const [source, transceiver] of this.transceivers) {
      const track = transceiver.sender.track;
      if (!track || !transceiver.mid || transceiver.direction !== "sendonly") continue;
      declared.push({ mid: transceiver.mid, kind: track.kind as "audio" | "video", source, muted: this.isMuted(source) });
    }
    return declared;
  }
}
