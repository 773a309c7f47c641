import {
  CHAT_HISTORY_LIMIT,
  SafeEmitter,
  type ChatEntry,
  type Knock,
  type ModeratedEvent,
  type ModerationAction,
  type PolicyChange,
  type Role,
  type RoomPolicyInfo,
  type ReactionEmoji,
  type ViewedTrack,
  type ParticipantInfo,
  type ServerMessage,
  type TrackSource,
} from "@confab/protocol";
import { AccessState } from "./AccessState.js";
import type { ConfabRoomEvents, ConfabRoomOptions, RoomStatus } from "./ConfabRoomTypes.js";
import type { ConnectionPath, MediaDiagnosis } from "./connectionPath.js";
import { ClientError } from "./errors.js";
import { joinWithBestToken } from "./joinTokens.js";
import { LocalTracks, type LocalMedia } from "./LocalTracks.js";
import { MediaRecovery } from "./MediaRecovery.js";
import { MediaSession } from "./MediaSession.js";
import { Reconnector, mayReconnect } from "./Reconnector.js";
import { RoomState, type RemoteParticipant } from "./RoomState.js";
import { signalingUrl, type WebSocketFactory } from "./SignalingClient.js";
import { SignalingSession } from "./SignalingSession.js";

export type { ConfabRoomEvents, ConfabRoomOptions, PublishCapNotice, RoomStatus } from "./ConfabRoomTypes.js";
export type { LocalMedia } from "./LocalTracks.js";

/**
 * A participant's session in one room: signaling, one publishing and one subscribing peer
 * connection, and the room's state. UI-free: an application renders from `participants()`,
 * `mediaOf()` and `isMuted()` whenever `change` fires.
 *
 * A façade: the parts live beside it — {@link SignalingSession} (the connection, join/resume,
 * resume token), {@link joinWithBestToken} (which token to join with), {@link Reconnector}
 * (the reconnection loop), {@link MediaSession} (one join's peer connections),
 * {@link MediaRecovery} (ICE restarts, connect timeouts, diagnosis), {@link LocalTracks}
 * (local sources and their mute state), {@link RoomState} and {@link AccessState}. This class
 * wires them and dispatches the server's messages.
 */
export class ConfabRoom {
  readonly events = new SafeEmitter<ConfabRoomEvents>((event, error) =>
    console.error(`confab: a "${event}" listener threw`, error),
  );
  private readonly state = new RoomState();
  private readonly access = new AccessState();
  private readonly signaling: SignalingSession;
  private readonly reconnector: Reconnector;
  private readonly local: LocalTracks;
  private readonly recovery: MediaRecovery;
  private readonly RTCPeerConnectionImpl: typeof RTCPeerConnection;
  /** The media connections of the current join (none before joining, or while rejoining). */
  private media: MediaSession | undefined;
  private selfInfo: ParticipantInfo | undefined;
  private chat: ChatEntry[] = [];
  private speakerId: string | null = null;
  private statusValue: RoomStatus = "new";
  private pendingLeave: (() => void) | undefined;
  private readonly onPageHide = () => {
    // Closing the tab is leaving: others should not wait out a resume grace period.
    if (this.statusValue === "joined") this.signaling.send({ type: "leave" });
  };

  constructor(private readonly options: ConfabRoomOptions) {
    this.RTCPeerConnectionImpl = options.RTCPeerConnection ?? globalThis.RTCPeerConnection;
    this.signaling = new SignalingSession(
      {
        url: signalingUrl(options.serverUrl),
        WebSocket: options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketFactory),
        clientName: options.clientName,
      },
      { message: (message) => this.onMessage(message), closed: (code, error) => this.onSignalingClosed(code, error) },
    );
    this.local = new LocalTracks({
      sendMute: (source, muted) => this.signaling.send({ type: "mute", source, muted }),
      answered: () => this.media?.publisher.pc.remoteDescription != null,
    });
    this.recovery = new MediaRecovery({
      isCurrent: (pc) => this.media?.owns(pc) === true,
      joined: () => this.statusValue === "joined",
      restartIce: (pc) => this.media?.restartIce(pc) === true,
      iceServers: () => this.media?.iceServers ?? [],
      rejoin: (cause) => this.reconnect(cause),
      changed: () => this.events.emit("change"),
    });
    this.reconnector = new Reconnector(
      {
        active: () => this.statusValue === "reconnecting",
        attempt: () => {
          this.signaling.reopen();
          return this.signaling.canResume ? this.signaling.resume(this.options.room) : this.connectAndJoin();
        },
        resuming: () => this.signaling.canResume,
        resumeFailed: () => {
          this.signaling.forgetResume();
          this.teardownMedia();
        },
        giveUp: (error) => this.finish(error),
      },
      options.reconnectTimeoutMs,
    );
    globalThis.addEventListener?.("pagehide", this.onPageHide);
  }

  get status(): RoomStatus {
    return this.statusValue;
  }

  /** This participant as the server knows it (after joining). */
  get self(): ParticipantInfo | undefined {
    return this.selfInfo;
  }

  /** The room's chat so far (history given at join, then live), oldest first. */
  chatMessages(): readonly ChatEntry[] {
    return this.chat;
  }

  /** The current dominant speaker (possibly oneself), or `null`. */
  get speaker(): string | null {
    return this.speakerId;
  }

  /** This participant's role in the room. */
  get role(): Role {
    return this.access.role;
  }

  /** The room's policy (lock, lobby, password…), once joined. */
  get policy(): RoomPolicyInfo | undefined {
    return this.access.policy;
  }

  /** People waiting in the lobby (known to moderators only). */
  get knocks(): readonly Knock[] {
    return this.access.knocks;
  }

  /** Open mode: the token that brings the meeting's creator back as moderator. */
  get moderatorToken(): string | undefined {
    return this.access.moderatorToken;
  }

  /** Sends a moderator action; the server refuses it (`FORBIDDEN`) unless this client moderates. */
  moderate(command: ModerationAction): boolean {
    return this.statusValue === "joined" && this.signaling.send({ type: "moderate", command });
  }

  /** Changes the room's lock, lobby or password (moderators only). */
  changePolicy(change: PolicyChange): boolean {
    return this.statusValue === "joined" && this.signaling.send({ type: "policy", change });
  }

  /** Whether one's own hand is raised. */
  get handRaised(): boolean {
    return this.selfInfo?.handRaised === true;
  }

  /** Sends a chat message; it comes back through the `chat` event once the server has it. */
  sendChat(text: string): boolean {
    return this.statusValue === "joined" && this.signaling.send({ type: "chat", text });
  }

  /** Raises or lowers one's hand. */
  setHand(raised: boolean): void {
    if (this.statusValue !== "joined" || !this.selfInfo) return;
    this.selfInfo = { ...this.selfInfo, handRaised: raised };
    this.signaling.send({ type: "hand", raised });
    this.events.emit("change");
  }

  /** Sends a reaction to the room. */
  sendReaction(emoji: ReactionEmoji): void {
    if (this.statusValue === "joined") this.signaling.send({ type: "reaction", emoji });
  }

  /**
   * Tells the server which remote videos are on screen and at what size; the others are not
   * sent to this client (audio always is).
   */
  setView(tracks: ViewedTrack[]): void {
    if (this.statusValue === "joined") this.signaling.send({ type: "view", tracks });
  }

  /** Remote participants in the order they joined. */
  participants(): RemoteParticipant[] {
    return this.state.participants();
  }

  /** The received media track of a participant's `source`, once it arrives. */
  mediaOf(participantId: string, source: TrackSource): MediaStreamTrack | undefined {
    const info = this.state.trackBySource(participantId, source);
    return info ? this.media?.track(info.id) : undefined;
  }

  /**
   * Remote camera track ids the server does not forward to this client (last-N: only the most
   * recent speakers' and pinned videos flow). A UI shows an avatar for them, not a frozen frame.
   */
  get withheld(): ReadonlySet<string> {
    return this.state.withheld;
  }

  /** Whether a remote participant's `source` is muted or not published at all. */
  isRemoteOff(participantId: string, source: TrackSource): boolean {
    const info = this.state.trackBySource(participantId, source);
    return !info || info.muted;
  }

  /** Whether the local `source` is muted (or absent). */
  isMuted(source: TrackSource): boolean {
    return !this.local.has(source) || this.local.muteOf(source);
  }

  /** Whether a local track of `source` is published. */
  hasLocal(source: TrackSource): boolean {
    return this.local.has(source);
  }

  /**
   * Which way this participant's media travels (udp, tcp, relay-udp, relay-tcp, relay-tls),
   * from the sending connection's selected candidate pair; undefined until one is selected.
   */
  async connectionPath(): Promise<ConnectionPath | undefined> {
    return this.media?.connectionPath();
  }

  /**
   * Set when a media connection failed (cleared when one connects again): what the failure
   * says about the network, for a message saying what is blocked. The SDK keeps rejoining.
   */
  get mediaProblem(): MediaDiagnosis | undefined {
    return this.recovery.problem;
  }

  /** The RTCPeerConnections of this session (for statistics). */
  peerConnections(): RTCPeerConnection[] {
    return this.media?.peerConnections() ?? [];
  }

  /**
   * Connects, joins and publishes `local`. Rejects with a ClientError when the server refuses
   * (e.g. `ROOM_FULL`, `INVALID_NAME`) or cannot be reached; the room is closed then.
   */
  async join(local: LocalMedia = {}): Promise<void> {
    if (this.statusValue !== "new") throw new ClientError("CLOSED", `cannot join from state ${this.statusValue}`);
    this.statusValue = "joining";
    this.local.start(local);
    try {
      await this.connectAndJoin();
    } catch (error) {
      this.close();
      throw error instanceof ClientError ? error : new ClientError("CONNECTION_LOST", String(error), true);
    }
  }

  /** Mutes or unmutes a local source; others see it within a round trip. */
  setMuted(source: TrackSource, muted: boolean): void {
    if (this.statusValue === "closed" || !this.local.setMuted(source, muted)) return;
    this.events.emit("change");
  }

  /**
   * Starts sending `track` as `source` (e.g. a screen share), or swaps the device of a source
   * already sent (switching camera or microphone mid-call, no renegotiation). The caller owns
   * the track; a source added while reconnecting is published after the rejoin.
   */
  async publishTrack(source: TrackSource, track: MediaStreamTrack): Promise<void> {
    if (this.statusValue === "closed") throw new ClientError("CLOSED", "the room is closed");
    this.local.put(source, track);
    this.events.emit("change");
    await this.media?.publisher.setTrack(source, track);
  }

  /** Stops sending `source` (e.g. ends a screen share); others get `track.unpublished`. */
  async unpublishTrack(source: TrackSource): Promise<void> {
    if (!this.local.remove(source)) return;
    this.events.emit("change");
    await this.media?.publisher.setTrack(source, null);
  }

  /** The local track sent as `source`, if any. */
  localTrack(source: TrackSource): MediaStreamTrack | undefined {
    return this.local.track(source);
  }

  /**
   * Mutes `source` and stops its device (a camera's light goes off), keeping the publication
   * so that `restoreDevice` needs no renegotiation.
   */
  async releaseDevice(source: TrackSource): Promise<void> {
    const track = this.local.track(source);
    if (!track) return;
    this.setMuted(source, true);
    this.local.release(source);
    this.events.emit("change");
    await this.media?.publisher.release(source);
    track.stop();
  }

  /** Puts a fresh device back on a released source and unmutes it. */
  async restoreDevice(source: TrackSource, track: MediaStreamTrack): Promise<void> {
    if (this.statusValue === "closed") throw new ClientError("CLOSED", "the room is closed");
    this.local.restore(source, track);
    await this.media?.publisher.setTrack(source, track);
    this.setMuted(source, false);
  }

  /** Leaves the room politely and closes; resolves when done (at most ~1 s). */
  async leave(): Promise<void> {
    if (this.statusValue === "closed") return;
    if (this.signaling.isOpen && this.statusValue === "joined") {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        this.pendingLeave = () => {
          clearTimeout(timer);
          resolve();
        };
        this.signaling.send({ type: "leave" });
      });
    }
    this.close();
  }

  /** Ends the session at once; idempotent. Local tracks are not stopped (the caller owns them). */
  close(): void {
    this.finish(undefined);
  }

  /** Connects and joins with the best token this client holds (see {@link joinWithBestToken}). */
  private async connectAndJoin(): Promise<void> {
    await this.signaling.connect();
    await joinWithBestToken({
      moderatorToken: this.access.moderatorToken,
      pageToken: this.options.token,
      rejoin: this.statusValue === "reconnecting",
      send: (token) =>
        this.signaling.join({
          type: "join",
          room: this.options.room,
          name: this.options.name,
          ...(token ? { token } : {}),
          ...(this.options.password ? { password: this.options.password } : {}),
        }),
      dropModeratorToken: () => {
        this.access.moderatorToken = undefined;
      },
    });
  }

  private onSignalingClosed(code: number, error: ClientError | undefined): void {
    const canResume = this.statusValue === "joined" && mayReconnect(code, error);
    if (canResume && this.reconnector.enabled) this.reconnect(error);
    else if (this.statusValue !== "reconnecting") this.finish(error);
  }

  /**
   * The connection dropped: resume as the same participant, keeping the media connections, or
   * (media failed, or the server no longer has it) drop them and rejoin with the same local
   * tracks and mute state; retries with backoff until the reconnect timeout.
   */
  private reconnect(cause: ClientError): void {
    if (this.statusValue !== "joined") return;
    this.statusValue = "reconnecting";
    // Only the signaling connection dropped: try to resume as the same participant, with the
    // media connections as they are. A failed media connection needs a fresh join: leave
    // first, so nobody waits out a grace period for this participant.
    if (cause.code === "MEDIA_FAILED") {
      if (this.signaling.isOpen) this.signaling.send({ type: "leave" });
      this.signaling.forgetResume();
      this.teardownMedia();
    }
    this.events.emit("change");
    this.reconnector.start(cause);
  }

  private teardownMedia(): void {
    this.recovery.clear();
    this.media?.close();
    this.media = undefined;
    this.local.forgetAnnounced();
    this.state.clear();
    this.speakerId = null;
  }

  private finish(error: ClientError | undefined): void {
    if (this.statusValue === "closed") return;
    this.statusValue = "closed";
    this.reconnector.close();
    this.pendingLeave?.();
    globalThis.removeEventListener?.("pagehide", this.onPageHide);
    this.teardownMedia();
    this.signaling.close(error);
    this.events.emit("closed", error);
    this.events.removeAllListeners();
  }

  private onMessage(message: ServerMessage): void {
    const access = this.access.apply(message, this.selfInfo?.id);
    if (access.moderated) this.onModerated(access.moderated);
    switch (message.type) {
      case "lobby":
        if (this.statusValue === "joining") this.statusValue = "waiting";
        this.events.emit("change");
        return;
      case "knocks":
      case "policy":
      case "moderated":
        this.events.emit("change");
        return;
      case "removed":
        this.finish(new ClientError("REMOVED", `removed from the meeting by ${message.by}`, true));
        return;
      case "ended":
        this.finish(new ClientError("ENDED", `${message.by} ended the meeting`, true));
        return;
      case "joined":
        this.signaling.rememberResume(message.resumeToken);
        if (message.resumed === true && this.media) {
          this.onResumed(message, this.media);
          return;
        }
        this.chat = message.chat.slice(-CHAT_HISTORY_LIMIT);
        this.speakerId = message.speaker;
        this.onJoined(message);
        this.state.apply(message);
        this.events.emit("change");
        return;
      case "left":
        this.pendingLeave?.();
        return;
      case "participant.updated":
        if (message.participant.id === this.selfInfo?.id) {
          this.selfInfo = { ...this.selfInfo, role: message.participant.role };
          this.events.emit("change");
          return;
        }
        if (this.state.apply(message)) this.events.emit("change");
        return;
      case "participant.joined":
      case "participant.left":
      case "track.published":
      case "track.unpublished":
      case "track.muted":
        if (this.state.apply(message)) this.events.emit("change");
        return;
      case "sdp":
      case "ice":
      case "layers":
        this.media?.handle(message);
        return;
      case "error":
        if (this.signaling.refuse(message)) return;
        this.events.emit("error", new ClientError(message.code, message.message, message.fatal));
        return;
      case "chat":
        this.chat = [...this.chat.slice(-(CHAT_HISTORY_LIMIT - 1)), message.message];
        this.events.emit("chat", message.message);
        this.events.emit("change");
        return;
      case "reaction":
        this.events.emit("reaction", message.participantId, message.emoji);
        return;
      case "speaker":
        this.speakerId = message.participantId;
        this.events.emit("speaker", message.participantId);
        this.events.emit("change");
        return;
      case "lastN":
        this.state.apply(message);
        this.events.emit("lastN", this.state.withheld);
        this.events.emit("change");
        return;
      case "iceServers":
        // Renewed TURN credentials: the allocations in use go on, the next ICE restart or
        // allocation presents credentials that are still valid.
        this.media?.setIceServers(message.iceServers);
        return;
      case "track.capped": {
        const { type: _type, ...notice } = message;
        this.events.emit("capped", notice);
        return;
      }
      case "draining":
        // The server is restarting; it closes with SERVER_SHUTDOWN by then, and we reconnect.
        this.events.emit("draining", message.closesInMs);
        return;
      case "welcome":
      case "probe":
      case "pong":
        return;
      default: {
        const unreachable: never = message;
        console.warn("confab: unhandled server message", unreachable);
      }
    }
  }

  /**
   * Back as the same participant: the room's state is taken afresh, the media connections go on,
   * and an offer that may have been lost with the old connection is sent again.
   */
  private onResumed(message: Extract<ServerMessage, { type: "joined" }>, media: MediaSession): void {
    this.selfInfo = message.self;
    this.statusValue = "joined";
    this.speakerId = message.speaker;
    this.state.clear();
    this.state.apply(message);
    // Fresh TURN credentials, for the ICE restarts to come.
    media.setIceServers(message.iceServers);
    media.publisher.resendPendingOffer();
    this.recovery.restartBroken(media.peerConnections());
    this.local.resync();
    this.signaling.settle();
    this.events.emit("change");
  }

  /** Joined (or rejoined) as a new participant: fresh media connections publish the local sources. */
  private onJoined(message: Extract<ServerMessage, { type: "joined" }>): void {
    this.selfInfo = message.self;
    this.statusValue = "joined";
    const media = new MediaSession(
      {
        RTCPeerConnection: this.RTCPeerConnectionImpl,
        iceServers: message.iceServers,
        iceTransportPolicy: this.options.iceTransportPolicy ?? "all",
        simulcast: this.options.simulcast ?? true,
      },
      {
        send: (m) => this.signaling.send(m),
        offered: (tracks) => this.local.announce(tracks),
        published: () => this.local.syncAll(),
        isMuted: (source) => this.local.muteOf(source),
        received: () => this.events.emit("change"),
        failed: (problem) => this.reportError("MEDIA_FAILED", problem),
      },
    );
    this.media = media;
    this.recovery.watch(media.subscriber.pc);
    this.recovery.watch(media.publisher.pc);
    media.publish(this.local.publishable());
    this.signaling.settle();
  }

  /**
   * A moderator acted on this participant. A mute is applied locally too (the server already
   * stopped forwarding), and a stopped screen share is unpublished; the app stops the capture.
   */
  private onModerated(event: ModeratedEvent): void {
    if (event.action === "muted") this.local.mutedByModerator(event.source);
    // Told first, so the app still finds the screen track to stop its capture.
    this.events.emit("moderated", event);
    if (event.action === "screen-stopped") {
      void this.unpublishTrack("screen");
      void this.unpublishTrack("screen-audio");
    }
  }

  private reportError(code: "MEDIA_FAILED", message: string): void {
    if (this.statusValue !== "closed") this.events.emit("error", new ClientError(code, message));
  }
}
