import type { Role, TrackInfo } from "@confab/protocol";
import type { IcePath } from "../sfu/icePath.js";

/**
 * Why a participant is no longer in a room, as logs and webhooks say it:
 * - `left`: it said so (`leave`);
 * - `disconnected`: its connection closed and the room keeps nobody waiting (`RESUME_GRACE_MS=0`);
 * - `timeout`: its connection dropped (closed, or silent past the heartbeat) and it did not
 *   resume within the grace period;
 * - `removed`: a moderator removed it (`participant.left` says `kicked` on the wire);
 * - `ended`: a moderator ended the meeting for everyone;
 * - `server shutdown`: the server closed the room;
 * - `lost`: the SFU worker thread hosting the room failed (its people rejoin elsewhere, as new
 *   participants).
 */
export type LeaveReason = "left" | "disconnected" | "timeout" | "removed" | "ended" | "server shutdown" | "lost";

/** Why a room ended: its last participant went, a moderator ended it, the server closed, or its worker failed. */
export type RoomEndReason = "empty" | "ended" | "server shutdown" | "lost";

/** A participant as events describe it (plain data: it crosses from a worker thread). */
export interface EventParticipant {
  id: string;
  identity: string;
  name: string;
  role: Role;
  /** ms since the epoch. */
  joinedAt: number;
  /** The path its media takes (see {@link IcePath}); `null` until a connection is up. */
  icePath: IcePath | null;
}

/**
 * What happens in a room that the world outside it hears about (webhooks): plain,
 * structured-cloneable data, posted by SFU workers to the main thread as it is. Names follow
 * LiveKit's webhook events where they exist.
 */
export type RoomEvent =
  | { event: "room_started"; room: string }
  | { event: "room_ended"; room: string; reason: RoomEndReason }
  | { event: "participant_joined"; room: string; participant: EventParticipant }
  | { event: "participant_left"; room: string; participant: EventParticipant; reason: LeaveReason }
  | { event: "track_published"; room: string; participant: EventParticipant; track: TrackInfo }
  | { event: "track_unpublished"; room: string; participant: EventParticipant; track: TrackInfo };

/** Every event name, in the order a room lives them. */
export const ROOM_EVENT_NAMES = [
  "room_started",
  "participant_joined",
  "track_published",
  "track_unpublished",
  "participant_left",
  "room_ended",
] as const satisfies readonly RoomEvent["event"][];

/** Receives a room's events; must return at once (it runs on the media thread). */
export type RoomEventSink = (event: RoomEvent) => void;
