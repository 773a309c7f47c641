import type { Logger } from "pino";
import { ErrorCode, type ModerationAction } from "@confab/protocol";
import type { ServerConfig } from "../config/config.js";
import { UserError } from "../errors.js";
import { forwardingStats, iceGuardStats, publishCapStats, sharedPortStats } from "../sfu/stats.js";
import type { ChatStore } from "./ChatStore.js";
import type { JoinRequest } from "./JoinRequest.js";
import { moderate, OPERATOR } from "./moderation.js";
import type { Participant } from "./Participant.js";
import type { PolicyResolver } from "./policy/PolicyResolver.js";
import type { RoomPolicy } from "./policy/RoomPolicy.js";
import type { Room } from "./Room.js";
import type { RoomEventSink } from "./RoomEvents.js";
import type { HostStats, Membership, Readiness, RoomHost, RoomMessage, RoomSink } from "./RoomHost.js";
import { RoomManager } from "./RoomManager.js";
import { roomSnapshot, type RoomSnapshot } from "./snapshot.js";

/** Applies one joined participant's message to its room. */
export async function applyRoomMessage(room: Room, participant: Participant, message: RoomMessage): Promise<void> {
  switch (message.type) {
    case "sdp": {
      const { pc, description } = message;
      if (pc === "publisher") {
        if (description.type !== "offer") throw new UserError(ErrorCode.BAD_MESSAGE, "the publisher connection takes offers");
        const { allowed, refused } = room.allowedTracks(participant, message.tracks ?? []);
        await participant.publisher.handleOffer(description.sdp, allowed);
        if (refused.length > 0) {
          // The answer rejected those sections; say why (the session stays usable).
          const sources = refused.map((t) => t.source).join(", ");
          throw new UserError(ErrorCode.FORBIDDEN, `you may not publish ${sources} in this room`);
        }
        return;
      }
      if (description.type !== "answer") throw new UserError(ErrorCode.BAD_MESSAGE, "the subscriber connection takes answers");
      return participant.subscriber.handleAnswer(description.sdp);
    }
    case "ice": {
      const target = message.pc === "publisher" ? participant.publisher : participant.subscriber;
      try {
        await target.addIceCandidate(message.candidate);
      } catch (error) {
        if (error instanceof UserError) throw error;
        throw new UserError(ErrorCode.BAD_MESSAGE, `candidate rejected: ${(error as Error).message}`);
      }
      return;
    }
    case "ice-restart":
      participant.subscriber.restartIce();
      return;
    case "mute":
      return room.setMuted(participant, message.source, message.muted);
    case "chat":
      return room.sendChat(participant, message.text);
    case "hand":
      return room.setHand(participant, message.raised);
    case "reaction":
      return room.react(participant, message.emoji);
    case "view":
      return room.setView(participant, message.tracks);
    case "moderate":
      return moderate(room, participant, message.command);
    case "policy":
      return room.changePolicy(participant, message.change);
    default: {
      const unreachable: never = message;
      throw new UserError(ErrorCode.UNKNOWN_TYPE, `unhandled ${(unreachable as { type: string }).type}`);
    }
  }
}

/** A participant of a room in this thread. */
export class LocalMembership implements Membership {
  constructor(
    private readonly roomRef: Room,
    private readonly participant: Participant,
    /** The connection this membership speaks for; a resume elsewhere retires it. */
    private readonly sink: RoomSink,
  ) {}

  get room(): string {
    return this.roomRef.name;
  }

  get participantId(): string {
    return this.participant.id;
  }

  handle(message: RoomMessage): Promise<void> {
    if (!this.participant.hasSink(this.sink)) return Promise.reject(new UserError(ErrorCode.NOT_JOINED, "this connection was replaced"));
    return applyRoomMessage(this.roomRef, this.participant, message);
  }

  leave(reason: "left" | "disconnected"): void {
    if (this.participant.hasSink(this.sink)) this.roomRef.leave(this.participant, reason);
  }

  disconnect(): void {
    this.roomRef.disconnect(this.participant, this.sink);
  }
}

/** Rooms in this thread: used inside each SFU worker, and as the whole server with `WORKERS=0`. */
export class LocalRoomHost implements RoomHost {
  readonly manager: RoomManager;
  private draining = false;
  private closed = false;

  constructor(
    config: ServerConfig,
    log: Logger,
    chat: ChatStore,
    policies: PolicyResolver,
    onParticipantLeft?: (room: string) => void,
    /** Where the rooms' events go (webhooks); called on this thread, must return at once. */
    events?: RoomEventSink,
  ) {
    this.manager = new RoomManager(config, log, chat, policies, onParticipantLeft, events);
  }

  async join(request: JoinRequest, sink: RoomSink, signal?: AbortSignal): Promise<Membership> {
    const joined = await this.manager.join(request, sink, signal);
    return new LocalMembership(joined.room, joined.participant, sink);
  }

  async resume(room: string, token: string, sink: RoomSink): Promise<Membership> {
    const r = this.manager.get(room);
    if (!r || r.isClosed) throw new UserError(ErrorCode.RESUME_FAILED, "nothing to resume; join again");
    return new LocalMembership(r, r.resume(token, sink), sink);
  }

  exists(room: string): boolean {
    const r = this.manager.get(room);
    return r !== undefined && !r.isClosed;
  }

  async roomSize(room: string): Promise<number | undefined> {
    return this.manager.get(room)?.size;
  }

  stats(): HostStats {
    return { rooms: this.manager.roomCount, participants: this.manager.participantCount, ...forwardingStats, ...iceGuardStats, sharedPortAddresses: sharedPortStats.addresses, publishCapDrops: publishCapStats.packetsDropped, publishCapPauses: publishCapStats.tracksPaused, workerHeapUsedBytes: 0, workerEventLoopDelayP99Ms: 0, workerMemory: [] };
  }

  drain(): void {
    this.draining = true;
    this.manager.drain();
  }

  readiness(): Readiness {
    if (this.closed) return { ready: false, reason: "closed" };
    return this.draining ? { ready: false, reason: "draining" } : { ready: true };
  }

  async snapshot(room?: string): Promise<RoomSnapshot[]> {
    const rooms = room === undefined ? this.manager.all : [this.manager.get(room)].filter((r): r is Room => r !== undefined && !r.isClosed);
    // A room whose policy is still loading has nobody in it yet.
    return rooms.filter((r) => r.hasPolicy).map(roomSnapshot);
  }

  configure(room: string, policy: RoomPolicy): Promise<void> {
    return this.manager.configure(room, policy);
  }

  async moderate(room: string, command: ModerationAction): Promise<void> {
    const r = this.manager.get(room);
    if (!r || r.isClosed || !r.hasPolicy) throw new UserError(ErrorCode.BAD_STATE, "no meeting is in progress in this room");
    moderate(r, OPERATOR, command);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.manager.close();
  }
}
