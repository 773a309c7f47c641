import { randomBytes } from "node:crypto";
import type { RTCPeerConnection, RTCTrackEvent } from "werift";
import { ErrorCode, type IceCandidate, type PublishedTrack } from "@confab/protocol";
import type { ServerConfig } from "../config/config.js";
import { UserError } from "../errors.js";
import { SafeEmitter } from "@confab/protocol";
import { ForwardedTrack } from "./ForwardedTrack.js";
import { AUDIO_LEVEL_URI } from "./ForwardedTrack.js";
import { mediaSections, sdpProblem, forWerift, type MediaSection } from "./sdp.js";
import { PUBLISHER_OFFER_LIMITS, sdpLimitProblem } from "./sdpLimits.js";
import { withStartBitrate } from "./peer-config.js";
import type { IcePath } from "./icePath.js";
import { SfuPeer } from "./SfuPeer.js";
import { PublishCap } from "./PublishCap.js";
import { startIceAfterRestart } from "./iceRestart.js";

export type PublisherEvents = {
  /** The answer to the client's offer. */
  answer: [sdp: string];
  /** A local ICE candidate to trickle to the client (`null`: gathering complete); never before the answer. */
  iceCandidate: [IceCandidate | null];
  /** A new track was accepted from the client. */
  trackAdded: [ForwardedTrack];
  /** A track ended (section removed by a re-offer, or publisher closed). */
  trackRemoved: [ForwardedTrack];
  /** The media connection came up, with the path it takes (see {@link IcePath}). */
  connected: [path: IcePath | null];
};

/**
 * The participant's upstream peer connection: the client offers, the SFU answers
 * (LiveKit-style separate publisher/subscriber connections keep negotiation one-directional
 * on each).
 */
export class Publisher {
  readonly events: SafeEmitter<PublisherEvents>;
  private readonly peer: SfuPeer;
  private readonly pc: RTCPeerConnection;
  private readonly tracksByMid = new Map<string, ForwardedTrack>();
  /** The participant's bitrate and packet-rate cap, over all its tracks. */
  private readonly cap: PublishCap;
  private closed = false;
  private negotiating: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly participantId: string,
    private readonly rtc: ServerConfig["rtc"],
    private readonly onListenerError: (event: string, error: unknown) => void,
  ) {
    this.events = new SafeEmitter(onListenerError);
    this.cap = new PublishCap(rtc);
    this.peer = new SfuPeer(
      rtc,
      (candidate) => this.events.emit("iceCandidate", candidate),
      "publisher",
      (path) => this.events.emit("connected", path),
    );
    this.pc = this.peer.pc;
    this.pc.ontrack = (event: RTCTrackEvent) => this.onTrack(event);
  }

  /** The peer connection's `connectionState` (for the admin API). */
  get connectionState(): string {
    return this.pc.connectionState;
  }

  /** Tracks currently published through this connection. */
  get tracks(): ForwardedTrack[] {
    return [...this.tracksByMid.values()];
  }

  /** Finds a published track by its source (e.g. the microphone). */
  trackBySource(source: PublishedTrack["source"]): ForwardedTrack | undefined {
    return this.tracks.find((t) => t.sourceKind === source);
  }

  /**
   * Applies a client offer with the list of tracks its sections carry and emits `answer`.
   * Offers are applied one at a time in arrival order.
   */
  handleOffer(sdp: string, declared: PublishedTrack[]): Promise<void> {
    const run = this.negotiating.then(async () => {
      // A re-offer may restart ICE: the new candidates follow the answer, not precede it.
      this.peer.holdCandidates();
      const answer = await this.applyOffer(sdp, declared);
      if (this.closed) return;
      this.events.emit("answer", answer);
      this.peer.releaseCandidates();
    });
    this.negotiating = run.catch(() => undefined);
    return run;
  }

  async addIceCandidate(candidate: IceCandidate | null): Promise<void> {
    if (this.closed) return;
    await this.peer.addRemoteCandidate(candidate);
  }

  /** The path this connection's media takes now (`null` while not connected). */
  get icePath(): IcePath | null {
    return this.peer.icePath;
  }

  /** Closes the connection and every track; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const track of this.tracksByMid.values()) {
      track.close();
      this.events.emit("trackRemoved", track);
    }
    this.tracksByMid.clear();
    this.cap.close();
    this.events.removeAllListeners();
    this.peer.close();
  }

  private async applyOffer(sdp: string, declared: PublishedTrack[]): Promise<string> {
    if (this.closed) throw new UserError(ErrorCode.BAD_STATE, "publisher is closed");
    const problem = sdpLimitProblem(sdp, PUBLISHER_OFFER_LIMITS) ?? sdpProblem(sdp);
    if (problem) throw new UserError(ErrorCode.BAD_MESSAGE, `offer rejected: ${problem}`);
    const sections = mediaSections(sdp);
    const byMid = new Map(sections.map((s) => [s.mid, s]));
    const seenSources = new Set<string>();
    for (const t of declared) {
      const section = byMid.get(t.mid);
      if (!section) throw new UserError(ErrorCode.BAD_MESSAGE, `track mid ${t.mid} is not in the offer`);
      if (section.kind !== t.kind) {
        throw new UserError(ErrorCode.BAD_MESSAGE, `track mid ${t.mid} is ${section.kind}, declared ${t.kind}`);
      }
      if (seenSources.has(t.source)) throw new UserError(ErrorCode.BAD_MESSAGE, `source ${t.source} declared twice`);
      seenSources.add(t.source);
    }
    try {
      await this.peer.answerOffer(forWerift(sdp));
    } catch (error) {
      throw new UserError(ErrorCode.BAD_MESSAGE, `offer rejected: ${(error as Error).message}`);
    }
    if (this.closed) throw new UserError(ErrorCode.BAD_STATE, "publisher is closed");
    this.syncTracks(declared, byMid);
    startIceAfterRestart(this.pc);
    return withStartBitrate(this.peer.localSdp());
  }

  /** Creates tracks for newly declared sections and removes those no longer sending. */
  private syncTracks(declared: PublishedTrack[], sections: Map<string, MediaSection>): void {
    const wanted = new Map(
      declared
        .filter((t) => {
          const dir = sections.get(t.mid)?.direction;
          return dir === "sendonly" || dir === "sendrecv";
        })
        .map((t) => [t.mid, t]),
    );
    for (const [mid, track] of this.tracksByMid) {
      const next = wanted.get(mid);
      if (!next || next.source !== track.sourceKind) {
        this.tracksByMid.delete(mid);
        this.cap.release(track.capSlot);
        track.close();
        this.events.emit("trackRemoved", track);
      }
    }
    for (const [mid, t] of wanted) {
      if (this.tracksByMid.has(mid)) continue;
      const id = `${this.participantId}-${randomBytes(4).toString("hex")}`;
      const section = sections.get(mid);
      const rids = section && section.sendRids.length > 1 ? section.sendRids : [];
      const track = new ForwardedTrack(id, t.kind, t.source, mid, t.muted, this.rtc.keyframeRequestIntervalMs, this.onListenerError, rids);
      track.audioLevelExtId = section?.extmap.get(AUDIO_LEVEL_URI);
      track.capSlot = this.cap.slot((paused, limit) => track.onCapChange(paused, limit));
      this.tracksByMid.set(mid, track);
      const transceiver = this.pc.getTransceivers().find((tr) => tr.mid === mid);
      if (transceiver && transceiver.receiver.tracks.length > 0) track.attach(transceiver.receiver);
      this.events.emit("trackAdded", track);
    }
  }

  private onTrack(event: RTCTrackEvent): void {
    const mid = event.transceiver.mid;
    if (mid === undefined || mid === null) return;
    this.tracksByMid.get(mid)?.attach(event.receiver);
  }
}
