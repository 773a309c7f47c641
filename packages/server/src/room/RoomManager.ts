import type { Logger } from "pino";
import { ErrorCode } from "@confab/protocol";
import type { ServerConfig } from "../config/config.js";
import { UserError } from "../errors.js";
import type { ChatStore } from "./ChatStore.js";
import type { JoinRequest } from "./JoinRequest.js";
import type { Participant, SignalSink } from "./Participant.js";
import type { PolicyResolver } from "./policy/PolicyResolver.js";
import type { RoomPolicy } from "./policy/RoomPolicy.js";
import { Room } from "./Room.js";
import type { RoomEventSink } from "./RoomEvents.js";

/** The refusal of a join that would start a meeting on a draining server. */
export function drainingError(): UserError {
  return new UserError(ErrorCode.SERVER_DRAINING, "this server is restarting and starts no new meeting; try again in a moment");
}

/** Owns the rooms of this server: created on first join, dropped when the last person leaves. */
export class RoomManager {
  private readonly rooms = new Map<string, Room>();
  private closed = false;
  private draining = false;

  constructor(
    private readonly config: ServerConfig,
    private readonly log: Logger,
    private readonly chat: ChatStore,
    private readonly policies: PolicyResolver,
    /** Told whenever a participant leaves a room for good (the worker tells the main thread). */
    private readonly onParticipantLeft?: (room: string) => void,
    /** Where the rooms' events go (webhooks). */
    private readonly events?: RoomEventSink,
  ) {}

  /**
   * Joins `request.room`, creating the room if needed. If the room closed under the join
   * before it could enter (its last participant left meanwhile), the join goes to a fresh
   * room; any other refusal (password, lobby…) is final.
   */
  async join(request: JoinRequest, sink: SignalSink, signal?: AbortSignal): Promise<{ room: Room; participant: Participant }> {
    for (let attempt = 0; ; attempt++) {
      const room = this.getOrCreate(request.room);
      try {
        return { room, participant: await room.join(request, sink, signal) };
      } catch (error) {
        const closedUnder = error instanceof UserError && error.code === ErrorCode.BAD_STATE && room.isClosed && !room.endedByModerator;
        if (!closedUnder || this.closed || signal?.aborted || attempt >= 2) throw error;
      }
    }
  }

  /** The room called `name`, created if needed. */
  getOrCreate(name: string): Room {
    if (this.closed) throw new UserError(ErrorCode.BAD_STATE, "server is shutting down");
    const existing = this.rooms.get(name);
    if (existing && !existing.isClosed) return existing;
    if (this.draining) throw drainingError();
    if (this.rooms.size >= this.config.rooms.maxRooms) {
      throw new UserError(ErrorCode.ROOM_FULL, "this server has no room for another meeting");
    }
    const room = new Room(name, this.config, this.log.child({ room: name }), this.chat, this.policies, {
      empty: (r) => {
        if (this.rooms.get(r.name) === r) this.rooms.delete(r.name);
      },
      participantLeft: (r) => this.onParticipantLeft?.(r.name),
      ...(this.events ? { event: this.events } : {}),
    });
    this.rooms.set(name, room);
    return room;
  }

  /**
   * Stores `policy` for `room`'s next meetings (over the rooms file and any change made in an
   * earlier meeting). Refused with BAD_STATE while a meeting is in progress there: its
   * moderators change its settings, or it is ended first.
   */
  async configure(name: string, policy: RoomPolicy): Promise<void> {
    const live = this.rooms.get(name);
    if (live && !live.isClosed) throw new UserError(ErrorCode.BAD_STATE, "a meeting is in progress in this room; end it first");
    await this.policies.save(name, policy);
  }

  /** From now on no room is created (the server is shutting down); rooms in progress go on. */
  drain(): void {
    this.draining = true;
  }

  get(name: string): Room | undefined {
    return this.rooms.get(name);
  }

  /** Rooms with a meeting in them, in creation order. */
  get all(): Room[] {
    return [...this.rooms.values()].filter((r) => !r.isClosed);
  }

  get roomCount(): number {
    return this.rooms.size;
  }

  get participantCount(): number {
    let n = 0;
    for (const r of this.rooms.values()) n += r.size;
    return n;
  }

  /** Closes every room; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const room of [...this.rooms.values()]) room.close("server shutdown");
    this.rooms.clear();
  }
}
