import {
  CHAT_HISTORY_LIMIT,
  CloseCode,
  ErrorCode,
  SafeEmitter,
  type ChatEntry,
  type Knock,
  type ModeratedEvent,
  type ModerationAction,
  type PolicyChange,
  type Role,
  type RoomPolicyInfo,
  type IceServer,
  type ReactionEmoji,
  type ViewedTrack,
  type ParticipantInfo,
  type ServerMessage,
  type TrackSource,
} from "@confab/protocol";
import { AccessState } from "./AccessState.js";
import { diagnoseFailure, pathFromStats, type ConnectionPath, type MediaDiagnosis } from "./connectionPath.js";
import { ClientError } from "./errors.js";
import { PublishConnection } from "./PublishConnection.js";
import { RoomState, type RemoteMedia, type RemoteParticipant } from "./RoomState.js";
import { SignalingClient, signalingUrl, type WebSocketFactory } from "./SignalingClient.js";
import { SubscribeConnection } from "./SubscribeConnection.js";

/** How to reach the server and whom to join as. */
export interface ConfabRoomOptions {
  /** The server's http(s) base URL, e.g. `location.origin`. */
  serverUrl: string;
  room: string;
  name: string;
  /** A signed join token (from the link's `?token=`), required on servers with `AUTH=token`. */
  token?: string | undefined;
  /** The room's password, when it has one. */
  password?: string | undefined;
  /** Defaults to the global `WebSocket`. */
  WebSocket?: WebSocketFactory;
  /** Defaults to the global `RTCPeerConnection`. */
  RTCPeerConnection?: typeof RTCPeerConnection;
  /** Sent in the handshake for the server's logs. */
  clientName?: string;
  /** How long to keep trying to reconnect after the connection drops, ms (default 60 s; 0: never). */
  reconnectTimeoutMs?: number;
  /** Publish the camera as three simulcast layers (default true). */
  simulcast?: boolean;
  /**
   * `relay` sends all media through the server's TURN relay, even when a direct path works
   * (for testing a relay, or to hide one's address from the SFU); default `all`: ICE picks the
   * best path, direct UDP first, then ICE-TCP, then the relay over UDP, TCP and TLS.
   */
  iceTransportPolicy?: RTCIceTransportPolicy;
}

/**
 * Close codes after which reconnecting cannot help (the server refused this client). Any other
 * close reconnects: notably SERVER_SHUTDOWN (4004, the server restarts: the SDK retries until
 * the new one answers, then resumes or joins again) and ROOM_LOST (4005).
 */
const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCode.NORMAL,
  CloseCode.TOO_BIG,
  CloseCode.PROTOCOL_ERROR,
  CloseCode.HANDSHAKE_REQUIRED,
  CloseCode.UNSUPPORTED_VERSION,
  CloseCode.REMOVED,
  CloseCode.ROOM_ENDED,
  CloseCode.REFUSED,
]);

/**
 * Refusals of a token that a rejoin gets past by joining without it: a server restarted with
 * another API secret no longer knows the token's signature, or the link expired.
 */
const TOKEN_REFUSED: ReadonlySet<string> = new Set([ErrorCode.TOKEN_INVALID, ErrorCode.TOKEN_EXPIRED, ErrorCode.TOKEN_NOT_YET_VALID]);

/** Delays between reconnection attempts, ms (the last one repeats). */
const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 4000];
/**
 * Delays between resume attempts: the server holds the participant only for its grace period
 * (30 s), so a network that comes back is tried soon.
 */
const RESUME_DELAYS_MS = [250, 500, 1000, 1000, 2000];
/**
 * How long an ICE restart may take to bring a failed media connection back before the SDK
 * gives up on it and rejoins with fresh connections, ms.
 */
const ICE_RESTART_TIMEOUT_MS = 20_000;
/**
 * How long a new media connection may take to come up before the SDK rejoins with fresh ones,
 * ms. Seen when a connection is made while the network is changing: ICE succeeds, DTLS never
 * completes.
 */
const CONNECT_TIMEOUT_MS = 15_000;

/** The local media to publish when joining; either may be missing (no device, denied). */
export interface LocalMedia {
  microphone?: MediaStreamTrack | undefined;
  camera?: MediaStreamTrack | undefined;
  /** Sources to start muted. */
  muted?: Partial<Record<TrackSource, boolean>>;
}

/**
 * `waiting`: in the room's lobby until a moderator lets this client in;
 * `reconnecting`: the connection dropped and the SDK is resuming (remote participants and
 * media stay) or, when the server no longer has it, rejoining (they are cleared until it
 * succeeds); `closed` is final.
 */
export type RoomStatus = "new" | "joining" | "waiting" | "joined" | "reconnecting" | "closed";

export type ConfabRoomEvents = {
  /** Something visible changed: participants, their tracks or media, local mute state, chat. */
  change: [];
  /** A chat message arrived (also one's own, as echoed by the server). */
  chat: [ChatEntry];
  /** Someone (possibly oneself) sent a reaction. */
  reaction: [participantId: string, emoji: ReactionEmoji];
  /** The dominant speaker changed (`null`: nobody is speaking). */
  speaker: [participantId: string | null];
  /** The set of remote camera videos the server holds back (last-N) changed; see `withheld`. */
  lastN: [withheld: ReadonlySet<string>];
  /** A moderator did something to this participant (muted it, asked it to unmute…). */
  moderated: [ModeratedEvent];
  /**
   * The server is shutting down (a restart): the meeting goes on for at most `closesInMs`, then
   * the connection closes and the SDK reconnects by itself (status `reconnecting`).
   */
  draining: [closesInMs: number];
  /** A non-fatal problem (the session continues). */
  error: [ClientError];
  /** The session is over: by `leave()`/`close()` (no error), or because of `error`. */
  closed: [error: ClientError | undefined];
};

/**
 * A participant's session in one room: signaling, one publishing and one subscribing peer
 * connection, and the room's state. UI-free: an application renders from `participants()`,
 * `mediaOf()` and `isMuted()` whenever `change` fires.
 */
export class ConfabRoom {
  readonly events = new SafeEmitter<ConfabRoomEvents>((event, error) =>
    console.error(`confab: a "${event}" listener threw`, error),
  );
  private readonly state = new RoomState();
  private signaling: SignalingClient;
  private readonly WebSocketImpl: WebSocketFactory;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly RTCPeerConnectionImpl: typeof RTCPeerConnection;
  private publisher: PublishConnection | undefined;
  private subscriber: SubscribeConnection | undefined;
  private media = new Map<string, RemoteMedia>();
  private readonly muted = new Map<TrackSource, boolean>();
  /** The mute state the server last heard of, per published source. */
  private readonly announced = new Map<TrackSource, boolean>();
  /** Local sources; `null` while a muted source's device is released (see `releaseDevice`). */
  private readonly localTracks = new Map<TrackSource, MediaStreamTrack | null>();
  private selfInfo: ParticipantInfo | undefined;
  private chat: ChatEntry[] = [];
  private speakerId: string | null = null;
  private statusValue: RoomStatus = "new";
  private iceServers: IceServer[] = [];
  private mediaProblemValue: MediaDiagnosis | undefined;
  private pendingJoin: { resolve: () => void; reject: (error: ClientError) => void } | undefined;
  private pendingLeave: (() => void) | undefined;
  private readonly access = new AccessState();
  /** The token to resume as the same participant after a dropped connection (single use). */
  private resumeToken: string | undefined;
  /** Per media connection that failed: when to give up on its ICE restart. */
  private readonly iceRecovery = new Map<RTCPeerConnection, ReturnType<typeof setTimeout>>();
  /** Runs the next reconnection attempt (while reconnecting). */
  private retryReconnect: (() => void) | undefined;
  /** The browser says the network is back: a reconnection waiting for its next try goes now. */
  private readonly onOnline = () => {
    if (this.statusValue !== "reconnecting" || !this.reconnectTimer || !this.retryReconnect) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(this.retryReconnect, 0);
  };
  private readonly onPageHide = () => {
    // Closing the tab is leaving: others should not wait out a resume grace period.
    if (this.statusValue === "joined") this.signaling.send({ type: "leave" });
  };

  constructor(private readonly options: ConfabRoomOptions) {
    this.WebSocketImpl = options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketFactory);
    this.RTCPeerConnectionImpl = options.RTCPeerConnection ?? globalThis.RTCPeerConnection;
    this.signaling = this.openSignaling();
    globalThis.addEventListener?.("pagehide", this.onPageHide);
    globalThis.addEventListener?.("online", this.onOnline);
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
    return info ? this.media.get(info.id)?.track : undefined;
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
    return !this.localTracks.has(source) || this.muted.get(source) === true;
  }

  /** Whether a local track of `source` is published. */
  hasLocal(source: TrackSource): boolean {
    return this.localTracks.has(source);
  }

  /**
   * Which way this participant's media travels (udp, tcp, relay-udp, relay-tcp, relay-tls),
   * from the sending connection's selected candidate pair; undefined until one is selected.
   */
  async connectionPath(): Promise<ConnectionPath | undefined> {
    for (const pc of [this.publisher?.pc, this.subscriber?.pc]) {
      if (!pc || pc.connectionState !== "connected") continue;
      const path = pathFromStats(await pc.getStats());
      if (path) return path;
    }
    return undefined;
  }

  /**
   * Set when a media connection failed (cleared when one connects again): what the failure
   * says about the network, for a message saying what is blocked. The SDK keeps rejoining.
   */
  get mediaProblem(): MediaDiagnosis | undefined {
    return this.mediaProblemValue;
  }

  /** The RTCPeerConnections of this session (for statistics). */
  peerConnections(): RTCPeerConnection[] {
    return [this.publisher?.pc, this.subscriber?.pc].filter((pc): pc is RTCPeerConnection => pc !== undefined);
  }

  /**
   * Connects, joins and publishes `local`. Rejects with a ClientError when the server refuses
   * (e.g. `ROOM_FULL`, `INVALID_NAME`) or cannot be reached; the room is closed then.
   */
  async join(local: LocalMedia = {}): Promise<void> {
    if (this.statusValue !== "new") throw new ClientError("CLOSED", `cannot join from state ${this.statusValue}`);
    this.statusValue = "joining";
    if (local.microphone) this.localTracks.set("microphone", local.microphone);
    if (local.camera) this.localTracks.set("camera", local.camera);
    for (const [source, track] of this.localTracks) {
      const muted = local.muted?.[source] === true;
      this.muted.set(source, muted);
      if (track) track.enabled = !muted;
    }
    try {
      await this.connectAndJoin();
    } catch (error) {
      this.close();
      throw error instanceof ClientError ? error : new ClientError("CONNECTION_LOST", String(error), true);
    }
  }

  /** Mutes or unmutes a local source; others see it within a round trip. */
  setMuted(source: TrackSource, muted: boolean): void {
    if (!this.localTracks.has(source) || this.statusValue === "closed") return;
    const local = this.localTracks.get(source);
    if (local) local.enabled = !muted;
    this.muted.set(source, muted);
    this.syncMute(source);
    this.events.emit("change");
  }

  /**
   * Starts sending `track` as `source` (e.g. a screen share), or swaps the device of a source
   * already sent (switching camera or microphone mid-call, no renegotiation). The caller owns
   * the track; a source added while reconnecting is published after the rejoin.
   */
  async publishTrack(source: TrackSource, track: MediaStreamTrack): Promise<void> {
    if (this.statusValue === "closed") throw new ClientError("CLOSED", "the room is closed");
    this.localTracks.set(source, track);
    track.enabled = this.muted.get(source) !== true;
    this.events.emit("change");
    await this.publisher?.setTrack(source, track);
  }

  /** Stops sending `source` (e.g. ends a screen share); others get `track.unpublished`. */
  async unpublishTrack(source: TrackSource): Promise<void> {
    if (!this.localTracks.delete(source)) return;
    this.muted.delete(source);
    this.announced.delete(source);
    this.events.emit("change");
    await this.publisher?.setTrack(source, null);
  }

  /** The local track sent as `source`, if any. */
  localTrack(source: TrackSource): MediaStreamTrack | undefined {
    return this.localTracks.get(source) ?? undefined;
  }

  /**
   * Mutes `source` and stops its device (a camera's light goes off), keeping the publication
   * so that `restoreDevice` needs no renegotiation.
   */
  async releaseDevice(source: TrackSource): Promise<void> {
    const track = this.localTracks.get(source);
    if (!track) return;
    this.setMuted(source, true);
    this.localTracks.set(source, null);
    this.events.emit("change");
    await this.publisher?.release(source);
    track.stop();
  }

  /** Puts a fresh device back on a released source and unmutes it. */
  async restoreDevice(source: TrackSource, track: MediaStreamTrack): Promise<void> {
    if (this.statusValue === "closed") throw new ClientError("CLOSED", "the room is closed");
    this.localTracks.set(source, track);
    track.enabled = true;
    await this.publisher?.setTrack(source, track);
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

  private openSignaling(): SignalingClient {
    const client = new SignalingClient(signalingUrl(this.options.serverUrl), this.WebSocketImpl, this.options.clientName);
    client.events.on("message", (message) => {
      if (client === this.signaling) this.onMessage(message);
    });
    client.events.on("close", (code, _reason, error) => {
      if (client === this.signaling) this.onSignalingClosed(code, error);
    });
    return client;
  }

  /**
   * Comes back as the same participant on a new connection (its media connections kept).
   * Rejects with RESUME_FAILED when the server no longer has it.
   */
  private async connectAndResume(token: string): Promise<void> {
    await this.signaling.connect();
    await new Promise<void>((resolve, reject) => {
      this.pendingJoin = { resolve, reject };
      this.signaling.send({ type: "resume", room: this.options.room, token });
    });
  }

  /**
   * Joins with the best token this client has: the creator's moderator token when the server
   * gave one (so the role survives a rejoin), else the page's own. On a rejoin, a token the
   * server refuses (it restarted with another API secret, or the link expired) is dropped and
   * the next one tried, down to none: the person comes back as the room's policy allows.
   */
  private async connectAndJoin(): Promise<void> {
    await this.signaling.connect();
    const rejoin = this.statusValue === "reconnecting";
    const held = [...new Set([this.access.moderatorToken, this.options.token])].filter((t): t is string => t !== undefined);
    const tokens: (string | undefined)[] = held.length === 0 || rejoin ? [...held, undefined] : held;
    let refusal: ClientError | undefined;
    for (const [i, token] of tokens.entries()) {
      try {
        return await this.sendJoin(token);
      } catch (error) {
        const last = i === tokens.length - 1;
        if (!(error instanceof ClientError) || !TOKEN_REFUSED.has(error.code) || last) {
          // Without any token the server wants one: the refused token is what to report.
          throw refusal && error instanceof ClientError && error.code === ErrorCode.AUTH_REQUIRED ? refusal : error;
        }
        refusal ??= error;
        if (token === this.access.moderatorToken) this.access.moderatorToken = undefined;
      }
    }
  }

  /** Sends `join` on the open connection and waits for `joined` or the refusal. */
  private sendJoin(token: string | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pendingJoin = { resolve, reject };
      this.signaling.send({
        type: "join",
        room: this.options.room,
        name: this.options.name,
        ...(token ? { token } : {}),
        ...(this.options.password ? { password: this.options.password } : {}),
      });
    });
  }

  private onSignalingClosed(code: number, error: ClientError | undefined): void {
    const canResume = this.statusValue === "joined" && error !== undefined && !FINAL_CLOSE_CODES.has(code);
    if (canResume && (this.options.reconnectTimeoutMs ?? 60_000) > 0) this.reconnect(error);
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
    const mediaFailed = cause.code === "MEDIA_FAILED";
    if (mediaFailed) {
      if (this.signaling.isOpen) this.signaling.send({ type: "leave" });
      this.resumeToken = undefined;
      this.teardownMedia();
    }
    this.events.emit("change");
    const deadline = Date.now() + (this.options.reconnectTimeoutMs ?? 60_000);
    let attempt = 0;
    const tryOnce = () => {
      this.reconnectTimer = undefined;
      this.retryReconnect = undefined;
      if (this.statusValue !== "reconnecting") return;
      this.signaling.close();
      this.signaling = this.openSignaling();
      const token = this.resumeToken;
      const attempt$ = token ? this.connectAndResume(token) : this.connectAndJoin();
      attempt$.catch((error: unknown) => {
        if (this.statusValue !== "reconnecting") return;
        if (error instanceof ClientError && error.code === "RESUME_FAILED") {
          // The server no longer has us (grace over, or it restarted): join anew, now.
          this.resumeToken = undefined;
          this.teardownMedia();
          this.reconnectTimer = setTimeout(tryOnce, 0);
          return;
        }
        // A draining server starts no new meeting here, but the one replacing it will: keep trying.
        const refused = error instanceof ClientError && error.code !== "CONNECTION_LOST" && error.code !== "SERVER_DRAINING";
        if (refused || Date.now() >= deadline) {
          this.finish(error instanceof ClientError ? error : cause);
          return;
        }
        const delays = this.resumeToken ? RESUME_DELAYS_MS : RECONNECT_DELAYS_MS;
        const delay = delays[Math.min(attempt++, delays.length - 1)]!;
        this.retryReconnect = tryOnce;
        this.reconnectTimer = setTimeout(tryOnce, delay);
      });
    };
    this.reconnectTimer = setTimeout(tryOnce, RECONNECT_DELAYS_MS[0]);
  }

  private teardownMedia(): void {
    for (const timer of this.iceRecovery.values()) clearTimeout(timer);
    this.iceRecovery.clear();
    this.publisher?.close();
    this.subscriber?.close();
    this.publisher = undefined;
    this.subscriber = undefined;
    this.announced.clear();
    this.media.clear();
    this.state.clear();
    this.speakerId = null;
  }

  private finish(error: ClientError | undefined): void {
    if (this.statusValue === "closed") return;
    this.statusValue = "closed";
    clearTimeout(this.reconnectTimer);
    this.pendingJoin?.reject(error ?? new ClientError("CLOSED", "the room was closed before joining", true));
    this.pendingJoin = undefined;
    this.pendingLeave?.();
    globalThis.removeEventListener?.("pagehide", this.onPageHide);
    globalThis.removeEventListener?.("online", this.onOnline);
    this.teardownMedia();
    this.signaling.close();
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
        this.resumeToken = message.resumeToken;
        if (message.resumed === true && this.publisher && this.subscriber) {
          this.onResumed(message);
          return;
        }
        this.chat = message.chat.slice(-CHAT_HISTORY_LIMIT);
        this.speakerId = message.speaker;
        this.onJoined(message.self, message.iceServers);
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
        if (message.pc === "subscriber" && message.description.type === "offer") {
          this.subscriber?.handleOffer(message.description, message.tracks ?? []);
        } else if (message.pc === "publisher" && message.description.type === "answer") {
          this.publisher
            ?.handleAnswer(message.description)
            .then(() => this.onPublished())
            .catch((error) => this.reportError("MEDIA_FAILED", `publishing failed: ${String(error)}`));
        }
        return;
      case "ice":
        if (message.pc === "publisher") void this.publisher?.addRemoteCandidate(message.candidate);
        else this.subscriber?.addRemoteCandidate(message.candidate);
        return;
      case "error":
        if (this.pendingJoin && (message.inReplyTo === "join" || message.inReplyTo === "resume")) {
          this.pendingJoin.reject(new ClientError(message.code, message.message, true));
          this.pendingJoin = undefined;
          return;
        }
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
      case "layers":
        this.publisher?.setLayers(message.mid, message.active).catch((error) => this.reportError("MEDIA_FAILED", `changing simulcast layers failed: ${String(error)}`));
        return;
      case "iceServers":
        this.applyIceServers(message.iceServers);
        return;
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
  private onResumed(message: Extract<ServerMessage, { type: "joined" }>): void {
    this.selfInfo = message.self;
    this.statusValue = "joined";
    this.speakerId = message.speaker;
    const media = this.media;
    this.state.clear();
    this.state.apply(message);
    this.media = media;
    // Fresh TURN credentials, for the ICE restarts to come.
    this.applyIceServers(message.iceServers);
    this.publisher?.resendPendingOffer();
    // A media connection that failed or lost its path while the signaling was down (the
    // network went away) comes back through an ICE restart; its tracks stay.
    for (const pc of this.peerConnections()) {
      if (pc.connectionState === "failed" || pc.connectionState === "disconnected" || pc.iceConnectionState === "disconnected") this.restartIce(pc);
    }
    // A mute change made while disconnected may not have reached the server.
    for (const [source, announced] of this.announced) {
      const muted = this.muted.get(source) === true;
      if (announced !== muted && this.signaling.send({ type: "mute", source, muted })) this.announced.set(source, muted);
    }
    this.pendingJoin?.resolve();
    this.pendingJoin = undefined;
    this.events.emit("change");
  }

  /** The peer connections' configuration: the ICE servers of the last `joined` (TURN credentials are per join). */
  private rtcConfiguration(iceServers: IceServer[]): RTCConfiguration {
    this.iceServers = iceServers;
    return { iceServers, iceTransportPolicy: this.options.iceTransportPolicy ?? "all" };
  }

  /**
   * New ICE servers for both media connections (renewed TURN credentials): the allocations in
   * use go on, and the next ICE restart or allocation presents credentials that are still valid.
   */
  private applyIceServers(iceServers: IceServer[]): void {
    const config = this.rtcConfiguration(iceServers);
    for (const pc of this.peerConnections()) pc.setConfiguration(config);
  }

  private onJoined(self: ParticipantInfo, iceServers: IceServer[]): void {
    this.selfInfo = self;
    this.statusValue = "joined";
    const config = this.rtcConfiguration(iceServers);
    this.subscriber = new SubscribeConnection(
      this.RTCPeerConnectionImpl,
      config,
      {
        answer: (description) => this.signaling.send({ type: "sdp", pc: "subscriber", description }),
        candidate: (candidate) => this.signaling.send({ type: "ice", pc: "subscriber", candidate }),
      },
      (media) => {
        this.media = new Map(media.map((m) => [m.trackId, m]));
        this.events.emit("change");
      },
      (error) => this.reportError("MEDIA_FAILED", `receiving failed: ${String(error)}`),
    );
    this.watchConnection(this.subscriber.pc);
    this.publisher = new PublishConnection(
      this.RTCPeerConnectionImpl,
      config,
      {
        offer: (description, tracks) => {
          this.announced.clear();
          for (const t of tracks) this.announced.set(t.source, t.muted);
          this.signaling.send({ type: "sdp", pc: "publisher", description, tracks });
        },
        candidate: (candidate) => this.signaling.send({ type: "ice", pc: "publisher", candidate }),
      },
      (source) => this.muted.get(source) === true,
      this.options.simulcast ?? true,
    );
    this.watchConnection(this.publisher.pc);
    this.publisher
      .publish([...this.localTracks].flatMap(([source, track]) => (track ? [{ source, track }] : [])))
      .catch((error) => this.reportError("MEDIA_FAILED", `publishing failed: ${String(error)}`));
    this.pendingJoin?.resolve();
    this.pendingJoin = undefined;
  }

  /**
   * A moderator acted on this participant. A mute is applied locally too (the server already
   * stopped forwarding), and a stopped screen share is unpublished; the app stops the capture.
   */
  private onModerated(event: ModeratedEvent): void {
    if (event.action === "muted" && this.localTracks.has(event.source)) {
      const local = this.localTracks.get(event.source);
      if (local) local.enabled = false;
      this.muted.set(event.source, true);
      this.announced.set(event.source, true);
    }
    // Told first, so the app still finds the screen track to stop its capture.
    this.events.emit("moderated", event);
    if (event.action === "screen-stopped") {
      void this.unpublishTrack("screen");
      void this.unpublishTrack("screen-audio");
    }
  }

  /**
   * A media connection whose ICE failed is restarted (RFC 8445 §9), keeping its tracks; while
   * the signaling is down, the resume restarts it. Its statistics say at once what was blocked
   * ({@link mediaProblem}); only if the restart does not bring it back is it rebuilt by rejoining.
   */
  private watchConnection(pc: RTCPeerConnection): void {
    let connecting: ReturnType<typeof setTimeout> | undefined;
    pc.addEventListener("connectionstatechange", () => {
      if (pc !== this.publisher?.pc && pc !== this.subscriber?.pc) return;
      if (pc.connectionState === "connecting" && connecting === undefined) {
        // Only a connection that never came up at all: a restart has its own timeout.
        connecting = setTimeout(() => {
          const stuck = () =>
            pc.connectionState === "connecting" && this.statusValue === "joined" && !this.iceRecovery.has(pc) && (pc === this.publisher?.pc || pc === this.subscriber?.pc);
          if (!stuck()) return;
          // What was blocked, read before the rejoin closes the connection.
          void this.diagnose(pc).then(() => {
            if (stuck()) this.reconnect(new ClientError("MEDIA_FAILED", "the media connection did not come up"));
          });
        }, CONNECT_TIMEOUT_MS);
      }
      if (pc.connectionState === "connected") {
        clearTimeout(this.iceRecovery.get(pc));
        this.iceRecovery.delete(pc);
        if (this.mediaProblemValue) {
          this.mediaProblemValue = undefined;
          this.events.emit("change");
        }
        return;
      }
      if (pc.connectionState !== "failed" || this.statusValue !== "joined") return;
      this.restartIce(pc);
      void this.diagnose(pc);
    });
  }

  /** Sets {@link mediaProblem} from a connection that failed or never came up (unless it connected meanwhile). */
  private async diagnose(pc: RTCPeerConnection): Promise<void> {
    const iceServers = this.iceServers;
    const diagnosis = await pc.getStats().then(
      (report) => diagnoseFailure(report, iceServers),
      () => diagnoseFailure(new Map(), iceServers),
    );
    if (pc.connectionState === "connected") return;
    this.mediaProblemValue = diagnosis;
    this.events.emit("change");
  }

  /**
   * Restarts ICE on one media connection: the publisher with its own offer, the subscriber by
   * asking the server for one (`ice-restart`). Gives up after {@link ICE_RESTART_TIMEOUT_MS}.
   */
  private restartIce(pc: RTCPeerConnection): void {
    if (pc === this.publisher?.pc) {
      this.publisher.restartIce().catch((error) => this.reportError("MEDIA_FAILED", `restarting ICE failed: ${String(error)}`));
    } else if (pc === this.subscriber?.pc) {
      this.signaling.send({ type: "ice-restart" });
    } else {
      return;
    }
    if (this.iceRecovery.has(pc)) return;
    this.iceRecovery.set(
      pc,
      setTimeout(() => {
        this.iceRecovery.delete(pc);
        if (pc.connectionState === "connected" || this.statusValue !== "joined") return;
        if (pc !== this.publisher?.pc && pc !== this.subscriber?.pc) return;
        this.reconnect(new ClientError("MEDIA_FAILED", "the media connection failed and an ICE restart did not bring it back"));
      }, ICE_RESTART_TIMEOUT_MS),
    );
  }

  /** The server accepted the offer: tell it about mute changes made while it was in flight. */
  private onPublished(): void {
    for (const source of this.announced.keys()) this.syncMute(source);
  }

  private syncMute(source: TrackSource): void {
    const announced = this.announced.get(source);
    const muted = this.muted.get(source) === true;
    // Before the answer, the offer's track list carries the state; after it, a `mute` message.
    if (announced === undefined || announced === muted || !this.publisher?.pc.remoteDescription) return;
    // Only what reached the socket counts as announced; a resume re-sends the rest.
    if (this.signaling.send({ type: "mute", source, muted })) this.announced.set(source, muted);
  }

  private reportError(code: "MEDIA_FAILED", message: string): void {
    if (this.statusValue !== "closed") this.events.emit("error", new ClientError(code, message));
  }
}
