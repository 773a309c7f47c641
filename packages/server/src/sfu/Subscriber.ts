import { performance } from "node:perf_hooks";
import type { RTCPeerConnection, RTCRtpTransceiver } from "werift";
import { ErrorCode, type IceCandidate, type SubscribedTrack, type ViewedTrack } from "@confab/protocol";
import type { ServerConfig } from "../config/config.js";
import { UserError } from "../errors.js";
import { SafeEmitter } from "@confab/protocol";
import { BandwidthEstimator } from "./BandwidthEstimator.js";
import { DownTrack } from "./DownTrack.js";
import { MAX_PADDING, RetransmitBudget } from "./RtpWriter.js";
import { allocateLayers, preferredLayer, wantedBitrate, type AllocatedVideo } from "./LayerAllocator.js";
import type { ForwardedTrack } from "./ForwardedTrack.js";
import { sdpProblem, forWerift } from "./sdp.js";
import { sdpLimitProblem, subscriberAnswerLimits } from "./sdpLimits.js";
import type { IcePath } from "./icePath.js";
import { SfuPeer } from "./SfuPeer.js";
import { TransportCc } from "./TransportCc.js";
import { TwccEstimator } from "./TwccEstimator.js";
import type { TransportWideCC } from "werift";
import { startIceAfterRestart } from "./iceRestart.js";

/** How often layers are re-chosen (and the bandwidth estimate advanced), ms. */
const ALLOCATION_INTERVAL_MS = 500;
/** A bandwidth probe: padding in this many bursts this far apart, on top of the media. */
const PROBE_BURSTS = 5;
const PROBE_BURST_MS = 10;
/** A probe whose feedback has not all come back after this long is judged on what did. */
const PROBE_TIMEOUT_MS = 1500;

export type SubscriberEvents = {
  /** An offer to send to the client, with the map of its active sections. */
  offer: [sdp: string, tracks: SubscribedTrack[]];
  iceCandidate: [IceCandidate | null];
  /** The media connection came up, with the path it takes (see {@link IcePath}). */
  connected: [path: IcePath | null];
};

/**
 * The participant's downstream peer connection: the SFU adds one send-only section per
 * remote track and renegotiates whenever that set changes, never with two offers in flight.
 */
export class Subscriber {
  readonly events: SafeEmitter<SubscriberEvents>;
  private readonly peer: SfuPeer;
  private readonly pc: RTCPeerConnection;
  private readonly downTracks = new Map<string, DownTrack>();
  /**
   * Removes this subscriber's "close" listener from each track it was given. The listener
   * holds the subscriber: left on a track that outlives it, the subscriber (its peer
   * connection, transceivers, writers) stayed reachable for as long as the track did.
   */
  private readonly trackListeners = new Map<string, () => void>();
  /** The videos the client shows, once it has said (until then every video flows). */
  private view: Map<string, ViewedTrack> | undefined;
  /** Camera videos the room's last-N holds back, whether on screen or not. */
  private withheld: ReadonlySet<string> = new Set();
  /** Estimate from receiver reports: used until (unless) the receiver sends transport-wide feedback. */
  private readonly estimator = new BandwidthEstimator();
  /** Transport-wide sequence numbers and feedback (transport-cc), and the estimate from them. */
  private readonly cc = new TransportCc();
  private readonly twcc = new TwccEstimator();
  private twccActive = false;
  /** The probe being sent or awaiting feedback: its transport-wide sequence numbers. */
  private probe: { first: number; last: number; endedAt: number } | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  /** Retransmissions may use up to 15 % of the estimate. */
  private readonly retransmitBudget = new RetransmitBudget();
  private readonly allocationTimer: NodeJS.Timeout;
  private awaitingAnswer = false;
  /** Transceivers of removed tracks, stopped (their sections rejected) by the next offer. */
  private readonly toStop: RTCRtpTransceiver[] = [];
  private negotiationQueued = false;
  /** The next offer restarts ICE (the client asked: its side of the connection failed). */
  private iceRestartQueued = false;
  /** The last offer sent, to send again to a participant that resumed. */
  private lastOffer: { sdp: string; tracks: SubscribedTrack[] } | undefined;
  private closed = false;

  constructor(
    rtc: ServerConfig["rtc"],
    onListenerError: (event: string, error: unknown) => void,
    private readonly onError: (error: unknown) => void,
  ) {
    this.events = new SafeEmitter(onListenerError);
    this.peer = new SfuPeer(
      rtc,
      (candidate) => this.events.emit("iceCandidate", candidate),
      "subscriber",
      (path) => this.events.emit("connected", path),
    );
    this.pc = this.peer.pc;
    this.pc.connectionStateChange.subscribe((state) => {
      // Video that started before the transport was up needs a fresh keyframe.
      if (state === "connected") for (const d of this.downTracks.values()) d.track.requestKeyframe();
    });
    this.allocationTimer = setInterval(() => this.allocate(), ALLOCATION_INTERVAL_MS);
    this.allocationTimer.unref();
  }

  /** The peer connection's `connectionState` (for the admin API). */
  get connectionState(): string {
    return this.pc.connectionState;
  }

  /** Starts sending `track` (published by `participantId`) to this subscriber. */
  addTrack(track: ForwardedTrack, participantId: string): void {
    if (this.closed || this.downTracks.has(track.id) || track.isClosed) return;
    const transceiver = this.pc.addTransceiver(track.kind, { direction: "sendonly" });
    transceiver.sender.setStreams?.([{ id: participantId } as never]);
    const down = new DownTrack(track, participantId, transceiver, this.retransmitBudget, this.cc);
    down.onReport = (report) => this.estimator.onReport(report.expected, report.lost, report.rtt);
    down.onTransportFeedback = (feedback) => this.onTransportFeedback(feedback);
    this.downTracks.set(track.id, down);
    this.applyView(down);
    this.allocate(false);
    this.trackListeners.set(track.id, track.events.once("close", () => this.removeTrack(track.id)));
    this.scheduleNegotiation();
  }

  /**
   * Stops sending a track. Its transceiver is stopped: the next offer rejects its section
   * (port 0, RFC 8829 §5.2.2), and once that is answered werift gives the section to the next
   * track of the same kind (a new MID, the old transceiver dropped). The offer therefore stays
   * as long as the most tracks sent at once (plus the first section, never rejected), not
   * every track this participant ever saw.
   * The transceiver is stopped when that offer is made, not here: werift's stop aborts with
   * an error whose stack (kept by the sender) would hold whatever called this, e.g. the
   * closing track, for as long as the transceiver lives.
   */
  removeTrack(trackId: string): void {
    const down = this.downTracks.get(trackId);
    if (!down) return;
    this.downTracks.delete(trackId);
    this.trackListeners.get(trackId)?.();
    this.trackListeners.delete(trackId);
    down.close();
    if (this.closed) return;
    // Not the first section: it tags the BUNDLE group, and Chrome tears the shared transport
    // down when the offerer rejects it (every other video stopped in the E2E test). It stays
    // as it was, sending nothing.
    if (down.transceiver.mLineIndex !== 0) this.toStop.push(down.transceiver);
    this.scheduleNegotiation();
  }

  /**
   * Sets which remote videos the client shows and at what size; other videos are paused for
   * this subscriber. Unknown track ids are ignored (the track may have just ended).
   */
  setView(tracks: readonly ViewedTrack[]): void {
    if (this.closed) return;
    this.view = new Map(tracks.map((t) => [t.trackId, t]));
    for (const down of this.downTracks.values()) this.applyView(down);
    this.allocate(false);
  }

  /**
   * Sets which videos last-N holds back (room/LastNForwarding): they are paused even when on
   * screen, and resume at a keyframe once released.
   */
  setWithheld(trackIds: ReadonlySet<string>): void {
    if (this.closed) return;
    this.withheld = trackIds;
    for (const down of this.downTracks.values()) this.applyView(down);
    this.allocate(false);
  }

  /** Applies the client's answer to the offer in flight. */
  async handleAnswer(sdp: string): Promise<void> {
    if (this.closed) return;
    if (!this.awaitingAnswer) throw new UserError(ErrorCode.BAD_STATE, "no subscriber offer is awaiting an answer");
    const problem = sdpLimitProblem(sdp, subscriberAnswerLimits(this.pc.getTransceivers().length)) ?? sdpProblem(sdp);
    if (problem) throw new UserError(ErrorCode.BAD_MESSAGE, `answer rejected: ${problem}`);
    try {
      await this.peer.applyAnswer(forWerift(sdp));
      startIceAfterRestart(this.pc);
    } catch (error) {
      throw new UserError(ErrorCode.BAD_MESSAGE, `answer rejected: ${(error as Error).message}`);
    }
    this.awaitingAnswer = false;
    if (this.negotiationQueued) this.scheduleNegotiation();
  }

  async addIceCandidate(candidate: IceCandidate | null): Promise<void> {
    if (this.closed) return;
    await this.peer.addRemoteCandidate(candidate);
  }

  /** The path this connection's media takes now (`null` while not connected). */
  get icePath(): IcePath | null {
    return this.peer.icePath;
  }

  /** Closes the connection; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.allocationTimer);
    clearTimeout(this.probeTimer);
    for (const down of this.downTracks.values()) down.close();
    this.downTracks.clear();
    for (const off of this.trackListeners.values()) off();
    this.trackListeners.clear();
    this.events.removeAllListeners();
    this.peer.close();
  }

  /**
   * Chooses each video's simulcast layer from its tile size and the bandwidth estimate
   * (`advance`: also move the estimate forward in time, as the periodic tick does).
   */
  private allocate(advance = true): void {
    if (this.closed) return;
    let sent = 0;
    let audio = 0;
    const videos: DownTrack[] = [];
    for (const down of this.downTracks.values()) {
      sent += down.sendBitrate;
      if (down.track.kind === "audio") audio += down.sendBitrate;
      else if (!down.isPaused) videos.push(down);
    }
    const now = performance.now();
    let estimate: number;
    if (this.twccActive) estimate = advance ? this.twcc.update(now) : this.twcc.estimate;
    else estimate = advance ? this.estimator.update(now, sent) : this.estimator.estimate;
    if (advance) this.retransmitBudget.refill((estimate / 8) * 0.15, ALLOCATION_INTERVAL_MS / 1000);
    const inputs: AllocatedVideo[] = videos.map((down) => ({
      viewHeight: down.viewSize?.height,
      current: down.currentLayer,
      // A layer's rate counts once settled; until then the nominal rate is the safer guess.
      layers: down.track.layers.map((l) => ({ height: l.height, bitrate: l.bitrateSettled ? l.bitrate : 0, live: l.live })),
    }));
    const chosen = allocateLayers(inputs, Math.max(0, estimate - audio));
    let limited = false;
    videos.forEach((down, i) => {
      const below = chosen[i]! < preferredLayer(inputs[i]!);
      limited ||= below;
      down.setTargetLayer(chosen[i]!, below);
    });
    // Probe only when more bandwidth would raise a video's layer (one-layer videos never need it).
    if (this.twccActive && advance) {
      if (this.probe && now - this.probe.endedAt > PROBE_TIMEOUT_MS) this.finishProbe(now);
      const wanted = wantedBitrate(inputs) + audio;
      const target = limited ? this.twcc.probeTarget(wanted, now) : 0;
      if (target > 0) this.startProbe(target, wanted, sent, videos);
    }
  }

  private onTransportFeedback(feedback: TransportWideCC): void {
    if (this.closed) return;
    this.cc.onFeedback(feedback, (result) => this.twcc.onPacket(result));
    const now = performance.now();
    this.twcc.endFeedback(now);
    // From the first feedback on, the estimate comes from it (the receiver supports transport-cc).
    this.twccActive = true;
    if (this.probe && this.cc.highestReported >= this.probe.last) this.finishProbe(now);
  }

  /**
   * Sends padding at `target` bit/s (minus what media already sends) in short bursts on the
   * videos being forwarded, between their frames; the feedback about those packets says
   * whether the path carries that rate (TwccEstimator.probeFinished).
   */
  private startProbe(target: number, wanted: number, sending: number, videos: DownTrack[]): void {
    const rate = Math.max(0, target - sending); // bit/s of padding on top of the media
    // At least one padding packet of the smallest size a burst sends (a low estimate probes too).
    if ((rate * PROBE_BURST_MS) / 8000 < MAX_PADDING / 4 || !videos.some((v) => v.currentLayer >= 0)) return;
    this.twcc.probeStarted(wanted);
    const first = this.cc.lastStamped + 1;
    const start = performance.now();
    let bursts = 0;
    let padded = 0;
    const burst = (): void => {
      this.probeTimer = undefined;
      if (this.closed) return;
      // What is owed by now: a late timer (a busy event loop) is caught up, so the cluster's
      // rate is the target's and not the timer's.
      let owed = (rate * (performance.now() - start + PROBE_BURST_MS)) / 8000 - padded;
      for (const video of videos) {
        while (owed >= MAX_PADDING / 4) {
          const size = Math.min(MAX_PADDING, owed);
          if (!video.sendPadding(size)) break;
          owed -= size;
          padded += size;
        }
      }
      if (++bursts < PROBE_BURSTS) {
        this.probeTimer = setTimeout(burst, PROBE_BURST_MS);
        this.probeTimer.unref();
      } else {
        this.probe = { first, last: this.cc.lastStamped, endedAt: performance.now() };
      }
    };
    burst();
  }

  private finishProbe(now: number): void {
    const probe = this.probe;
    if (!probe) return;
    this.probe = undefined;
    this.twcc.probeFinished(this.cc.clusterRates(probe.first, probe.last), now);
    this.allocate(false);
  }

  /** A video flows only if it is on screen (or no `view` came yet) and last-N does not withhold it. */
  private applyView(down: DownTrack): void {
    if (down.track.kind !== "video") return;
    const withheld = this.withheld.has(down.track.id);
    if (!this.view) return down.setPaused(withheld);
    const viewed = this.view.get(down.track.id);
    down.viewSize = viewed ? { width: viewed.width, height: viewed.height } : undefined;
    down.setPaused(!viewed || viewed.width === 0 || viewed.height === 0 || withheld);
  }

  /**
   * Restarts ICE (RFC 8445 §9) with the next offer: fresh credentials, new candidates, the
   * same DTLS association and tracks. Queued behind an offer still awaiting its answer.
   */
  restartIce(): void {
    if (this.closed) return;
    this.iceRestartQueued = true;
    this.scheduleNegotiation();
  }

  private scheduleNegotiation(): void {
    if (this.closed) return;
    this.negotiationQueued = true;
    if (this.awaitingAnswer) return;
    // Batch changes made in the same tick (e.g. a participant's audio and video) into one offer.
    setImmediate(() => {
      if (this.closed || this.awaitingAnswer || !this.negotiationQueued) return;
      this.negotiationQueued = false;
      this.awaitingAnswer = true;
      this.sendOffer().catch((error) => {
        this.awaitingAnswer = false;
        // Closed while werift made the offer ("RTCPeerConnection is closed"): nothing to report.
        if (!this.closed) this.onError(error);
      });
    });
  }

  /**
   * The participant's connection was replaced (a resume): an offer it may have missed is sent
   * again; with none pending, nothing happens.
   */
  resendOffer(): void {
    if (this.closed || !this.awaitingAnswer || !this.lastOffer) return;
    this.events.emit("offer", this.lastOffer.sdp, this.lastOffer.tracks);
    this.peer.releaseCandidates();
  }

  private async sendOffer(): Promise<void> {
    for (const transceiver of this.toStop.splice(0)) transceiver.stop();
    const iceRestart = this.iceRestartQueued;
    this.iceRestartQueued = false;
    // Candidates gathered for this offer go out after it, never before (the client would
    // give them to the previous ICE generation).
    this.peer.holdCandidates();
    const offer = await this.pc.createOffer(iceRestart ? { iceRestart: true } : undefined);
    await this.pc.setLocalDescription(offer);
    if (this.closed) return;
    const tracks: SubscribedTrack[] = [];
    for (const down of this.downTracks.values()) {
      const mid = down.mid;
      if (mid !== undefined) tracks.push({ mid, participantId: down.participantId, trackId: down.track.id });
    }
    const sdp = this.peer.localSdp();
    this.lastOffer = { sdp, tracks };
    this.events.emit("offer", sdp, tracks);
    this.peer.releaseCandidates();
  }
}
