import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import {
  ErrorCode,
  type ChatEntry,
  type ReactionEmoji,
  type ServerMessage,
  type TrackSource,
  type ViewedTrack,
} from "@confab/protocol";
import type { ServerConfig } from "../config/config.js";
import { UserError } from "../errors.js";
import type { ForwardedTrack } from "../sfu/ForwardedTrack.js";
import { ActiveSpeakerDetector } from "./ActiveSpeaker.js";
import type { ChatStore } from "./ChatStore.js";
import { LastNForwarding } from "./LastNForwarding.js";
import { Participant, type SignalSink } from "./Participant.js";

/** How often the active speaker is re-evaluated, ms. */
const SPEAKER_TICK_MS = 100;

/**
 * A room: the participants in it and the routing of every published track to every other
 * participant. A room exists while someone is in it ({@link RoomManager} drops it when empty).
 */
export class Room {
  private readonly participants = new Map<string, Participant>();
  private readonly speakers: ActiveSpeakerDetector;
  private readonly lastN: LastNForwarding;
  private readonly speakerTimer: NodeJS.Timeout;
  private chatSeq = 0;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly config: ServerConfig,
    private readonly log: Logger,
    private readonly chat: ChatStore,
    private readonly onEmpty: (room: Room) => void,
  ) {
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

  /**
   * Adds a participant, tells the others, and subscribes it to everything already published.
   * The chat history is read first, so nothing reaches the newcomer before `joined`.
   */
  async join(name: string, sink: SignalSink): Promise<Participant> {
    const chat = this.closed ? [] : await this.chat.history(this.name);
    if (this.closed) throw new UserError(ErrorCode.BAD_STATE, "room is closed");
    if (this.participants.size >= this.config.rooms.maxParticipants) {
      throw new UserError(ErrorCode.ROOM_FULL, `room is full (${this.config.rooms.maxParticipants})`);
    }
    const id = `p${randomBytes(6).toString("hex")}`;
    const log = this.log.child({ participant: id });
    const participant = new Participant(
      id,
      name,
      sink,
      this.config.rtc,
      (event, error) => log.error({ err: error, event }, "listener failed"),
      (error) => log.warn({ err: error }, "media negotiation failed"),
    );
    this.wire(participant);
    const others = [...this.participants.values()];
    this.participants.set(id, participant);
    participant.send({
      type: "joined",
      room: this.name,
      self: participant.info,
      participants: others.map((p) => p.info),
      iceServers: this.config.rtc.iceServers,
      chat,
      speaker: this.speakers.speaker,
    });
    this.broadcast({ type: "participant.joined", participant: participant.info }, id);
    for (const other of others) {
      for (const track of other.publisher.tracks) participant.subscriber.addTrack(track, other.id);
    }
    this.lastN.join(participant);
    log.info({ room: this.name, size: this.participants.size }, "participant joined");
    return participant;
  }

  /** Removes a participant and tells the others; idempotent. */
  leave(participant: Participant, reason: "left" | "disconnected" | "kicked"): void {
    if (this.participants.get(participant.id) !== participant) return;
    this.participants.delete(participant.id);
    participant.close();
    this.speakers.remove(participant.id);
    this.lastN.leave(participant.id);
    this.broadcast({ type: "participant.left", participantId: participant.id, reason });
    this.log.info({ participant: participant.id, reason, size: this.participants.size }, "participant left");
    if (this.participants.size === 0) this.close();
  }

  /** Mutes or unmutes one of a participant's tracks and tells the others. */
  setMuted(participant: Participant, source: TrackSource, muted: boolean): void {
    const track = participant.publisher.trackBySource(source);
    if (!track) throw new UserError(ErrorCode.BAD_STATE, `no ${source} track is published`);
    if (track.muted === muted) return;
    track.muted = muted;
    if (track.sourceKind === "camera") this.lastN.refresh();
    this.broadcast({ type: "track.muted", participantId: participant.id, trackId: track.id, muted }, participant.id);
  }

  /** Stores a chat message and sends it to everyone, the sender included. */
  async sendChat(sender: Participant, text: string): Promise<void> {
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

  /** Closes every participant; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.speakerTimer);
    for (const p of this.participants.values()) p.close();
    this.participants.clear();
    this.chat.drop(this.name).catch((error: unknown) => this.log.warn({ err: error }, "dropping chat history failed"));
    this.onEmpty(this);
  }

  private wire(participant: Participant): void {
    const { publisher, subscriber } = participant;
    publisher.events.on("trackAdded", (track) => this.onTrackAdded(participant, track));
    publisher.events.on("trackRemoved", (track) => {
      this.lastN.unpublished(participant.id, track.id);
      if (participant.isClosed) return;
      this.broadcast({ type: "track.unpublished", participantId: participant.id, trackId: track.id }, participant.id);
    });
    publisher.events.on("answer", (sdp) =>
      participant.send({ type: "sdp", pc: "publisher", description: { type: "answer", sdp } }),
    );
    publisher.events.on("iceCandidate", (candidate) => participant.send({ type: "ice", pc: "publisher", candidate }));
    subscriber.events.on("iceCandidate", (candidate) => participant.send({ type: "ice", pc: "subscriber", candidate }));
    subscriber.events.on("offer", (sdp, tracks) =>
      participant.send({ type: "sdp", pc: "subscriber", description: { type: "offer", sdp }, tracks }),
    );
  }

  private onTrackAdded(owner: Participant, track: ForwardedTrack): void {
    if (track.isSimulcast) {
      track.events.on("demand", (active) => owner.send({ type: "layers", mid: track.mid, active }));
    }
    if (track.kind === "audio") {
      track.onAudioLevel = (dbov) => {
        if (!track.muted) this.speakers.level(owner.id, dbov);
      };
    }
    this.broadcast({ type: "track.published", participantId: owner.id, track: track.info }, owner.id);
    for (const p of this.participants.values()) {
      if (p !== owner) p.subscriber.addTrack(track, owner.id);
    }
    this.lastN.published(owner.id, track);
  }
}
