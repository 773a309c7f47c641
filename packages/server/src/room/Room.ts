import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Logger } from "pino";
import {
  ErrorCode,
  type ChatEntry,
  type PolicyChange,
  type PublishedTrack,
  type ReactionEmoji,
  type ServerMessage,
  type TrackSource,
  type ViewedTrack,
} from "@confab/protocol";
import { hashPassword } from "../auth/password.js";
import { signJoinToken } from "../auth/tokens.js";
import type { ServerConfig } from "../config/config.js";
import { UserError } from "../errors.js";
import type { ForwardedTrack } from "../sfu/ForwardedTrack.js";
import type { RateLimitKind } from "../sfu/RateBucket.js";
import { admission } from "./access.js";
import { ActiveSpeakerDetector } from "./ActiveSpeaker.js";
import type { ChatStore } from "./ChatStore.js";
import type { JoinRequest } from "./JoinRequest.js";
import { LastNForwarding } from "./LastNForwarding.js";
import { recentHistory } from "./chatHistory.js";
import { Lobby } from "./Lobby.js";
import { Participant, type SignalSink } from "./Participant.js";
import type { LeaveReason, RoomEndReason, RoomEventSink } from "./RoomEvents.js";
import { eventParticipant, RoomObserver } from "./RoomObserver.js";
import { may, requirePermission, type RoomActor } from "./permissions.js";
import type { PolicyResolver } from "./policy/PolicyResolver.js";
import { policyInfo, type RoomPolicy } from "./policy/RoomPolicy.js";

/** Compares resume tokens in constant time. */
function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** How often the active speaker is re-evaluated, ms. */
const SPEAKER_TICK_MS = 100;

/** What a room tells its owner (the {@link RoomManager}). */
export interface RoomHooks {
  /** The room closed (empty, or ended): drop it. */
  empty(room: Room): void;
  /** A participant left for good (left, removed, disconnected past its grace). */
  participantLeft?(room: Room, participant: Participant): void;
  /** Where the room's events go (webhooks); must return at once. */
  event?: RoomEventSink;
}

/** How a leave is told to the others on the wire (`participant.left`). */
const WIRE_LEAVE_REASON = { left: "left", disconnected: "disconnected", timeout: "disconnected", removed: "kicked" } as const;

/**
 * A room: its policy, the participants in it and their roles, the lobby, and the routing of
 * every published track to every other participant. A room exists while someone is in it or
 * waiting to enter ({@link RoomManager} drops it when empty); its policy outlives it in the
 * {@link PolicyResolver}'s store.
 */
export class Room {
  private readonly participants = new Map<string, Participant>();
  private readonly speakers: ActiveSpeakerDetector;
  private readonly lastN: LastNForwarding;
  /** Log lines and events of this room's life. */
  private readonly observer: RoomObserver;
  private readonly speakerTimer: NodeJS.Timeout;
  /** Participants whose connection dropped, and when their grace period ends. */
  private readonly graceTimers = new Map<Participant, NodeJS.Timeout>();
  /** Identities a moderator removed from this meeting: they may not rejoin it. */
  private readonly removed = new Set<string>();
  readonly lobby: Lobby;
  private readonly policyLoad: Promise<RoomPolicy>;
  private policyValue: RoomPolicy | undefined;
  /** Joins between their first check and entering (they count toward the room's size). */
  private pendingJoins = 0;
  /** Someone already started this meeting (open mode): nobody else becomes its creator. */
  private creatorClaimed = false;
  private chatSeq = 0;
  private closed = false;
  /** A moderator ended this meeting (joins under way are not moved to a fresh room). */
  endedByModerator = false;
  /** When the meeting started (the room was created), ms since the epoch. */
  readonly createdAt = Date.now();

  constructor(
    readonly name: string,
    private readonly config: ServerConfig,
    private readonly log: Logger,
    private readonly chat: ChatStore,
    private readonly policies: PolicyResolver,
    private readonly hooks: RoomHooks,
  ) {
    this.observer = new RoomObserver(name, log, hooks.event);
    this.lobby = new Lobby(config.auth.lobbyTimeoutMs, () => this.toModerators({ type: "knocks", knocking: this.lobby.knocks }));
    this.policyLoad = policies.resolve(name).then((p) => (this.policyValue = p));
    // A failed load surfaces in join(); never as an unhandled rejection.
    this.policyLoad.catch((error: unknown) => log.error({ err: error }, "loading the room policy failed"));
    this.lastN = new LastNForwarding(config.rooms.lastN);
    this.speakers = new ActiveSpeakerDetector((participantId) => {
      this.broadcast({ type: "speaker", participantId });
      this.lastN.speakerChanged(participantId);
    });
    this.speakerTimer = setInterval(() => this.speakers.tick(), SPEAKER_TICK_MS);
    this.speakerTimer.unref();
  }

  get size(): number {
    return this.participants.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Whether the policy is loaded (it is before anyone enters). */
  get hasPolicy(): boolean {
    return this.policyValue !== undefined;
  }

  /** The room's policy (loaded before the first join completes). */
  get policy(): RoomPolicy {
    if (!this.policyValue) throw new UserError(ErrorCode.BAD_STATE, "room is not ready");
    return this.policyValue;
  }

  /** The participant with `id`, or a `BAD_STATE` error. */
  participant(id: string): Participant {
    const p = this.participants.get(id);
    if (!p) throw new UserError(ErrorCode.BAD_STATE, "no such participant in this room");
    return p;
  }

  /** Everyone in the room, in join order. */
  get members(): Participant[] {
    return [...this.participants.values()];
  }

  /**
   * Lets `request` in: checks removals, the lock, the password and the size (see
   * {@link admission}), waits in the lobby when the policy says so (aborted by `signal`),
   * then adds the participant, tells the others, and subscribes it to everything already
   * published. The chat history is read first, so nothing reaches the newcomer before `joined`.
   */
  async join(request: JoinRequest, sink: SignalSink, signal?: AbortSignal): Promise<Participant> {
    this.pendingJoins++;
    try {
      return await this.admit(request, sink, signal);
    } finally {
      this.pendingJoins--;
      if (this.participants.size === 0 && this.pendingJoins === 0 && this.lobby.knocks.length === 0) this.close();
    }
  }

  private async admit(request: JoinRequest, sink: SignalSink, signal?: AbortSignal): Promise<Participant> {
    await this.policyLoad;
    if (this.closed) throw new UserError(ErrorCode.BAD_STATE, "room is closed");
    // The current policy: a moderator may have changed it since it was loaded.
    const policy = this.policy;
    const empty = this.participants.size === 0 && this.lobby.knocks.length === 0 && !this.creatorClaimed;
    const granted = await admission(request, policy, {
      mode: this.config.auth.mode,
      empty,
      removed: this.removed,
      size: this.participants.size,
      serverMaxParticipants: this.config.rooms.maxParticipants,
    });
    if (granted.creator) {
      if (this.creatorClaimed) granted.role = request.role;
      this.creatorClaimed = true;
    }
    if (granted.mustKnock && !this.closed) {
      sink.send({ type: "lobby", status: "waiting" });
      await this.lobby.knock(request.name, signal);
    }
    const chat = this.closed ? [] : recentHistory(await this.chat.history(this.name));
    if (this.closed) throw new UserError(ErrorCode.BAD_STATE, "room is closed");
    if (signal?.aborted) throw new UserError(ErrorCode.BAD_STATE, "join cancelled");
    const max = Math.min(this.policy.maxParticipants, this.config.rooms.maxParticipants);
    if (this.participants.size >= max) throw new UserError(ErrorCode.ROOM_FULL, `room is full (${max})`);
    const moderatorToken = granted.creator && granted.role === "moderator" ? await this.moderatorToken(request) : undefined;
    const id = `p${randomBytes(6).toString("hex")}`;
    const log = this.log.child({ participant: id });
    const participant = new Participant(
      id,
      request,
      granted.role,
      sink,
      this.config,
      (event, error) => log.error({ err: error, event }, "listener failed"),
      (error) => log.warn({ err: error }, "media negotiation failed"),
    );
    this.wire(participant);
    const others = [...this.participants.values()];
    this.participants.set(id, participant);
    participant.send(this.joinedMessage(participant, { chat, ...(moderatorToken ? { moderatorToken } : {}) }));
    if (participant.role === "moderator") participant.send({ type: "knocks", knocking: this.lobby.knocks });
    this.broadcast({ type: "participant.joined", participant: participant.info }, id);
    for (const other of others) {
      for (const track of other.publisher.tracks) participant.subscriber.addTrack(track, other.id);
    }
    this.lastN.join(participant);
    this.observer.entered(participant, this.participants.size, request.address);
    return participant;
  }

  /** The room as `participant` needs it on entering (or resuming): everyone else, the policy, its token. */
  private joinedMessage(
    participant: Participant,
    extra: Pick<Extract<ServerMessage, { type: "joined" }>, "chat"> & { moderatorToken?: string; resumed?: boolean },
  ): ServerMessage {
    return {
      type: "joined",
      room: this.name,
      self: participant.info,
      participants: this.members.filter((p) => p !== participant).map((p) => p.info),
      // Fresh TURN credentials on every join and resume (renewed by `iceServers` in between).
      iceServers: participant.iceServers.issue(),
      speaker: this.speakers.speaker,
      policy: policyInfo(this.policy),
      resumeToken: participant.resumeToken,
      ...extra,
    };
  }

  /** A moderator token for the person who started the meeting, to come back as moderator. */
  private moderatorToken(request: JoinRequest): Promise<string> {
    const { apiKey, apiSecret } = this.config.auth;
    return signJoinToken(
      { apiKey, apiSecret },
      { room: this.name, identity: request.identity, name: request.name, role: "moderator" },
      { ttlSeconds: this.config.auth.moderatorLinkTtlSeconds },
    );
  }

  /**
   * Removes a participant and tells the others; idempotent. When the last moderator leaves an
   * open-mode room, the participant present longest becomes moderator (as on Jitsi); in token
   * mode roles come only from tokens, so the room goes on without one. `farewell` is the last
   * message the participant gets (`removed`).
   */
  leave(participant: Participant, reason: keyof typeof WIRE_LEAVE_REASON, farewell?: ServerMessage): void {
    if (this.participants.get(participant.id) !== participant) return;
    this.participants.delete(participant.id);
    clearTimeout(this.graceTimers.get(participant));
    this.graceTimers.delete(participant);
    this.hooks.participantLeft?.(this, participant);
    // Taken before its connections close: it still knows its ICE path.
    const who = eventParticipant(participant);
    // Sent once it is out of the room: a session in this thread closes its socket on it at once,
    // and the disconnect that follows must not count as the reason it left.
    if (farewell) participant.send(farewell);
    participant.close();
    this.speakers.remove(participant.id);
    this.lastN.leave(participant.id);
    this.broadcast({ type: "participant.left", participantId: participant.id, reason: WIRE_LEAVE_REASON[reason] });
    this.observer.left(who, reason, this.participants.size);
    if (this.participants.size === 0 && this.pendingJoins === 0) {
      this.close();
      return;
    }
    if (participant.role === "moderator" && this.config.auth.mode === "open") this.ensureModerator();
  }

  /**
   * The participant's signaling connection dropped (`sink` is the one that was in use: a
   * connection a resume already replaced changes nothing). It stays in the room, shown as
   * reconnecting, with its media and tracks, for the grace period; then it leaves.
   */
  disconnect(participant: Participant, sink: SignalSink): void {
    if (this.participants.get(participant.id) !== participant || !participant.hasSink(sink)) return;
    // Everyone is being told the meeting ended; nobody is shown leaving on the way.
    if (this.endedByModerator) return;
    const grace = this.config.rooms.resumeGraceMs;
    if (grace <= 0) return this.leave(participant, "disconnected");
    participant.detach();
    this.broadcast({ type: "participant.updated", participant: participant.info }, participant.id);
    const timer = setTimeout(() => this.leave(participant, "timeout"), grace);
    timer.unref();
    this.graceTimers.set(participant, timer);
    this.log.info({ participant: participant.id, graceMs: grace }, "participant disconnected; waiting for it to resume");
  }

  /**
   * Brings a participant back on a new connection: the one whose current resume token is
   * `token`. It keeps its id, role, hand, tracks and media connections; it gets the room's
   * state as `joined` (`resumed: true`) with a fresh token, and a pending subscriber offer
   * again. Throws RESUME_FAILED for an unknown or spent token.
   */
  resume(token: string, sink: SignalSink): Participant {
    const participant = [...this.participants.values()].find((p) => tokensEqual(p.resumeToken, token));
    if (!participant || this.closed) throw new UserError(ErrorCode.RESUME_FAILED, "nothing to resume; join again");
    clearTimeout(this.graceTimers.get(participant));
    this.graceTimers.delete(participant);
    participant.attach(sink);
    participant.send(this.joinedMessage(participant, { chat: [], resumed: true }));
    if (participant.role === "moderator") participant.send({ type: "knocks", knocking: this.lobby.knocks });
    this.broadcast({ type: "participant.updated", participant: participant.info }, participant.id);
    participant.subscriber.resendOffer();
    this.log.info({ participant: participant.id }, "participant resumed");
    return participant;
  }

  /** Open mode: with no moderator left, promotes the participant present longest. */
  private ensureModerator(): void {
    const members = this.members;
    if (members.some((p) => p.role === "moderator")) return;
    const next = members.find((p) => p.role === "participant");
    if (next) this.promote(next, "Confab");
  }

  /**
   * Mutes or unmutes one of a participant's own tracks and tells the others. Unmuting needs
   * the right to publish that source, and a track a moderator stopped stays stopped.
   */
  setMuted(participant: Participant, source: TrackSource, muted: boolean): void {
    const track = participant.publisher.trackBySource(source);
    if (!track) throw new UserError(ErrorCode.BAD_STATE, `no ${source} track is published`);
    if (!muted) {
      requirePermission(participant, { kind: "publish", source }, this.policy, `publish ${source}`);
      if (track.stopped) throw new UserError(ErrorCode.FORBIDDEN, `a moderator stopped this ${source}; share again`);
    }
    if (track.muted === muted) return;
    this.applyMute(participant, track, muted, participant.id);
  }

  /**
   * Sets a track's mute state (the SFU forwards nothing of a muted track) and tells the room
   * what it now sees: a track the publish cap pauses stays muted for the others.
   */
  private applyMute(owner: Participant, track: ForwardedTrack, muted: boolean, exceptId?: string): void {
    track.setMuted(muted);
    if (track.sourceKind === "camera") this.lastN.refresh();
    this.broadcast({ type: "track.muted", participantId: owner.id, trackId: track.id, muted: track.info.muted }, exceptId);
  }

  /**
   * A moderator mutes `target`'s microphone or camera: forwarding stops at once whatever the
   * target's client does; the target is told (only they can unmute, a server never can).
   */
  forceMute(target: Participant, source: "microphone" | "camera", by: RoomActor): void {
    const track = target.publisher.trackBySource(source);
    if (!track || track.muted) return;
    this.applyMute(target, track, true);
    target.send({ type: "moderated", event: { action: "muted", source, by: by.name } });
  }

  /** A moderator stops `target`'s screen share (and its audio): blocked until it is shared again. */
  stopScreen(target: Participant, by: RoomActor): void {
    let stopped = false;
    for (const track of target.publisher.tracks) {
      if (track.sourceKind !== "screen" && track.sourceKind !== "screen-audio") continue;
      track.stop();
      this.applyMute(target, track, true);
      stopped = true;
    }
    if (stopped) target.send({ type: "moderated", event: { action: "screen-stopped", by: by.name } });
  }

  /** Removes `target` from the meeting; its identity may not rejoin it. */
  remove(target: Participant, by: RoomActor): void {
    this.removed.add(target.identity);
    this.leave(target, "removed", { type: "removed", by: by.name });
  }

  /** Makes `target` a moderator and tells everyone. */
  promote(target: Participant, by: string): void {
    if (target.role === "moderator") return;
    target.role = "moderator";
    this.broadcast({ type: "participant.updated", participant: target.info });
    target.send({ type: "moderated", event: { action: "promoted", by } });
    target.send({ type: "knocks", knocking: this.lobby.knocks });
  }

  /** Ends the meeting for everyone: each is told, then the room closes. */
  end(by: RoomActor): void {
    this.log.info({ by: by.identity }, "meeting ended by a moderator");
    this.endedByModerator = true;
    for (const p of this.members) p.send({ type: "ended", by: by.name });
    this.close();
  }

  /** Applies a moderator's policy change, keeps it, and tells everyone. */
  async changePolicy(actor: Participant, change: PolicyChange): Promise<void> {
    requirePermission(actor, { kind: "moderate" }, this.policy, "change the room's settings");
    const next: RoomPolicy = { ...this.policy, publish: { ...this.policy.publish }, moderators: [...this.policy.moderators] };
    if (change.locked !== undefined) next.locked = change.locked;
    if (change.lobby !== undefined) next.lobby = change.lobby;
    if (change.password !== undefined) next.passwordHash = change.password === null ? null : await hashPassword(change.password);
    if (this.closed) return;
    this.policyValue = next;
    await this.policies.save(this.name, next);
    this.log.info({ by: actor.identity, locked: next.locked, lobby: next.lobby, password: next.passwordHash !== null }, "room policy changed");
    this.broadcast({ type: "policy", policy: policyInfo(next) });
    if (!next.lobby) this.lobby.admitAll();
  }

  /**
   * The tracks of a publisher offer this participant may publish: sections for sources its
   * role, grants or the room's rules refuse are left out (and so rejected in the answer).
   */
  allowedTracks(participant: Participant, declared: PublishedTrack[]): { allowed: PublishedTrack[]; refused: PublishedTrack[] } {
    const allowed: PublishedTrack[] = [];
    const refused: PublishedTrack[] = [];
    for (const t of declared) {
      (may(participant, { kind: "publish", source: t.source }, this.policy) ? allowed : refused).push(t);
    }
    return { allowed, refused };
  }

  /** Stores a chat message and sends it to everyone, the sender included. */
  async sendChat(sender: Participant, text: string): Promise<void> {
    requirePermission(sender, { kind: "chat" }, this.policy, "chat");
    const entry: ChatEntry = {
      id: `m${Date.now().toString(36)}${(this.chatSeq++).toString(36)}`,
      participantId: sender.id,
      name: sender.name,
      text,
      sentAt: Date.now(),
    };
    await this.chat.append(this.name, entry);
    this.broadcast({ type: "chat", message: entry });
  }

  /** Raises or lowers a participant's hand and tells everyone. */
  setHand(participant: Participant, raised: boolean): void {
    if (participant.handRaised === raised) return;
    participant.handRaised = raised;
    this.broadcast({ type: "participant.updated", participant: participant.info });
  }

  /** Relays a reaction to everyone, the sender included. */
  react(participant: Participant, emoji: ReactionEmoji): void {
    this.broadcast({ type: "reaction", participantId: participant.id, emoji });
  }

  /**
   * Applies the list of remote videos a participant shows: the rest is paused for it. Its
   * pinned videos are exempt from last-N.
   */
  setView(participant: Participant, tracks: ViewedTrack[]): void {
    participant.subscriber.setView(tracks);
    this.lastN.setPinned(participant.id, tracks.filter((t) => t.pinned === true).map((t) => t.trackId));
  }

  /** Sends a message to everyone in the room except `exceptId`. */
  broadcast(message: ServerMessage, exceptId?: string): void {
    for (const p of this.participants.values()) {
      if (p.id !== exceptId) p.send(message);
    }
  }

  /** Sends a message to every moderator in the room. */
  private toModerators(message: ServerMessage): void {
    for (const p of this.participants.values()) if (p.role === "moderator") p.send(message);
  }

  /**
   * Closes every participant and refuses everyone waiting; idempotent. `reason` defaults to
   * what closed it: a moderator's end, or nobody left.
   */
  close(reason: RoomEndReason = this.endedByModerator ? "ended" : "empty"): void {
    if (this.closed) return;
    this.closed = true;
    this.lobby.close();
    for (const timer of this.graceTimers.values()) clearTimeout(timer);
    this.graceTimers.clear();
    clearInterval(this.speakerTimer);
    const members = [...this.participants.values()];
    this.participants.clear();
    const why: LeaveReason = reason === "ended" ? "ended" : "server shutdown";
    members.forEach((p, i) => {
      const who = eventParticipant(p);
      p.close();
      this.observer.left(who, why, members.length - i - 1);
    });
    this.observer.closed(reason);
    this.chat.drop(this.name).catch((error: unknown) => this.log.warn({ err: error }, "dropping chat history failed"));
    this.hooks.empty(this);
  }

  private wire(participant: Participant): void {
    const { publisher, subscriber } = participant;
    publisher.events.on("trackAdded", (track) => this.onTrackAdded(participant, track));
    publisher.events.on("trackRemoved", (track) => {
      this.lastN.unpublished(participant.id, track.id);
      this.observer.trackUnpublished(participant, track);
      if (participant.isClosed) return;
      this.broadcast({ type: "track.unpublished", participantId: participant.id, trackId: track.id }, participant.id);
    });
    publisher.events.on("answer", (sdp) =>
      participant.send({ type: "sdp", pc: "publisher", description: { type: "answer", sdp } }),
    );
    publisher.events.on("iceCandidate", (candidate) => participant.send({ type: "ice", pc: "publisher", candidate }));
    publisher.events.on("connected", (path) => this.observer.connected(participant, "publisher", path));
    subscriber.events.on("connected", (path) => this.observer.connected(participant, "subscriber", path));
    subscriber.events.on("iceCandidate", (candidate) => participant.send({ type: "ice", pc: "subscriber", candidate }));
    subscriber.events.on("offer", (sdp, tracks) =>
      participant.send({ type: "sdp", pc: "subscriber", description: { type: "offer", sdp }, tracks }),
    );
  }

  private onTrackAdded(owner: Participant, track: ForwardedTrack): void {
    track.events.on("capped", (paused, limit) => this.onTrackCapped(owner, track, paused, limit));
    if (track.isSimulcast) {
      track.events.on("demand", (active) => owner.send({ type: "layers", mid: track.mid, active }));
    }
    if (track.kind === "audio") {
      track.onAudioLevel = (dbov) => {
        if (!track.muted) this.speakers.level(owner.id, dbov);
      };
    }
    this.broadcast({ type: "track.published", participantId: owner.id, track: track.info }, owner.id);
    this.observer.trackPublished(owner, track);
    for (const p of this.participants.values()) {
      if (p !== owner) p.subscriber.addTrack(track, owner.id);
    }
    this.lastN.published(owner.id, track);
  }

  /**
   * The owner's publish cap paused or resumed `track`: the owner is told why (`track.capped`);
   * the others see the track muted while it is paused (no frozen last frame), unless its
   * owner had muted it anyway.
   */
  private onTrackCapped(owner: Participant, track: ForwardedTrack, paused: boolean, limit: RateLimitKind): void {
    const { maxPublishKbps: maxKbps, maxPublishPacketsPerSecond: maxPacketsPerSecond, publishCapCooldownMs: cooldownMs } = this.config.rtc;
    const fields = { participant: owner.id, track: track.id, source: track.sourceKind, limit, maxKbps, maxPacketsPerSecond };
    if (paused) this.log.warn(fields, "track paused: its publisher exceeds the publish cap");
    else this.log.info(fields, "track resumed: its publisher is back within the publish cap");
    owner.send({ type: "track.capped", trackId: track.id, source: track.sourceKind, paused, code: ErrorCode.RATE_LIMITED, limit, maxKbps, maxPacketsPerSecond, cooldownMs });
    if (track.muted) return;
    if (track.sourceKind === "camera") this.lastN.refresh();
    this.broadcast({ type: "track.muted", participantId: owner.id, trackId: track.id, muted: paused }, owner.id);
  }
}
