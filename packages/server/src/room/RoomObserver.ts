import type { Logger } from "pino";
import type { IcePath } from "../sfu/icePath.js";
import type { ForwardedTrack } from "../sfu/ForwardedTrack.js";
import type { Participant } from "./Participant.js";
import type { EventParticipant, LeaveReason, RoomEndReason, RoomEventSink } from "./RoomEvents.js";

/** A participant as events and log lines describe it. */
export function eventParticipant(p: Participant): EventParticipant {
  return { id: p.id, identity: p.identity, name: p.name, role: p.role, joinedAt: p.joinedAt, icePath: p.icePath };
}

/** The one log line of a participant's leave (also written by the main thread for a lost worker's). */
export function logLeft(log: Logger, participant: EventParticipant, reason: LeaveReason, size: number): void {
  log.info(
    { identity: participant.identity, participant: participant.id, icePath: participant.icePath, reason, durationMs: Date.now() - participant.joinedAt, size },
    "participant left",
  );
}

/**
 * What the outside learns of one room's life, in one place: the operator's log lines (one per
 * join and per leave, with the ICE path and the reason) and the room's events (webhooks). The
 * room calls it at each step; it only reports, and never throws back into the room.
 */
export class RoomObserver {
  private started = false;
  private ended = false;

  private readonly log: Logger;

  constructor(
    private readonly room: string,
    log: Logger,
    private readonly sink: RoomEventSink | undefined,
  ) {
    // Every line names the room (once: the room's logger usually has it bound already).
    this.log = log.bindings()["room"] === undefined ? log.child({ room }) : log;
  }

  /** `p` entered (the room now has `size` participants); the first entry starts the room. */
  entered(p: Participant, size: number, address: string | undefined): void {
    if (!this.started) {
      this.started = true;
      this.emit({ event: "room_started", room: this.room });
    }
    this.log.info(
      { identity: p.identity, participant: p.id, role: p.role, auth: p.auth, ...(address ? { address } : {}), size },
      "participant joined",
    );
    this.emit({ event: "participant_joined", room: this.room, participant: eventParticipant(p) });
  }

  /** One of `p`'s media connections came up; `path` is the way its media takes. */
  connected(p: Participant, pc: "publisher" | "subscriber", path: IcePath | null): void {
    this.log.info({ identity: p.identity, participant: p.id, pc, icePath: path }, "media connected");
  }

  /**
   * A participant is gone for good (`size` remain). `participant` was taken before its
   * connections closed, so it still has the ICE path its media took.
   */
  left(participant: EventParticipant, reason: LeaveReason, size: number): void {
    logLeft(this.log, participant, reason, size);
    this.emit({ event: "participant_left", room: this.room, participant, reason });
  }

  trackPublished(p: Participant, track: ForwardedTrack): void {
    this.emit({ event: "track_published", room: this.room, participant: eventParticipant(p), track: track.info });
  }

  trackUnpublished(p: Participant, track: ForwardedTrack): void {
    this.emit({ event: "track_unpublished", room: this.room, participant: eventParticipant(p), track: track.info });
  }

  /** The room closed; reported once, and only for a room that started. */
  closed(reason: RoomEndReason): void {
    if (!this.started || this.ended) return;
    this.ended = true;
    this.log.info({ reason }, "room ended");
    this.emit({ event: "room_ended", room: this.room, reason });
  }

  private emit(event: Parameters<RoomEventSink>[0]): void {
    if (!this.sink) return;
    try {
      this.sink(event);
    } catch (error) {
      // A reporting bug must not break a join or a leave.
      this.log.error({ err: error, event: event.event }, "room event sink failed");
    }
  }
}
