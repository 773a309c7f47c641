import type { ClientMessage } from "@confab/protocol";
import type { JoinRequest } from "./JoinRequest.js";
import type { ParticipantStats } from "./ParticipantStats.js";
import type { SignalSink } from "./Participant.js";

/** The client messages a joined participant sends to its room (everything but the session's own). */
export type RoomMessage = Extract<
  ClientMessage,
  { type: "sdp" | "ice" | "ice-restart" | "mute" | "chat" | "hand" | "reaction" | "view" | "moderate" | "policy" }
>;

/** A session's place in a room, wherever the room runs (this thread or an SFU worker). */
export interface Membership {
  readonly room: string;
  readonly participantId: string;
  /** Applies one message; rejects with a {@link ConfabError} the session turns into a reply. */
  handle(message: RoomMessage): Promise<void>;
  /** Leaves the room; idempotent. */
  leave(reason: "left" | "disconnected"): void;
  /**
   * The connection dropped without a leave: the participant stays for the room's grace period,
   * waiting to resume; idempotent.
   */
  disconnect(): void;
}

/** Counters of one host (all its rooms), read by the metrics endpoint. */
export interface HostStats {
  rooms: number;
  participants: number;
  packetsIn: number;
  packetsOut: number;
  keyframeRequests: number;
  layerSwitches: number;
  retransmissions: number;
  paddingPackets: number;
  /** STUN requests dropped unanswered (not authenticated with the connection's ICE credentials). */
  stunRequestsDropped: number;
}

/** Stats of a host with nothing in it. */
export function emptyStats(): HostStats {
  return { rooms: 0, participants: 0, packetsIn: 0, packetsOut: 0, keyframeRequests: 0, layerSwitches: 0, retransmissions: 0, paddingPackets: 0, stunRequestsDropped: 0 };
}

/** Adds `b`'s counters (not its room and participant gauges) to `a`. */
export function addCounters(a: HostStats, b: HostStats): HostStats {
  a.packetsIn += b.packetsIn;
  a.packetsOut += b.packetsOut;
  a.keyframeRequests += b.keyframeRequests;
  a.layerSwitches += b.layerSwitches;
  a.retransmissions += b.retransmissions;
  a.paddingPackets += b.paddingPackets;
  a.stunRequestsDropped += b.stunRequestsDropped;
  return a;
}

/**
 * Where rooms live. {@link LocalRoomHost} keeps them in this thread; the worker pool places
 * each room on one of several SFU worker threads. The session only sees this interface.
 */
export interface RoomHost {
  /**
   * Joins `request.room`; `sink` receives the room's messages for this participant from the
   * first one (`lobby` or `joined`) on, possibly before the returned promise settles. With the
   * lobby on, the promise settles when a moderator answers; `signal` gives up waiting.
   */
  join(request: JoinRequest, sink: RoomSink, signal?: AbortSignal): Promise<Membership>;
  /**
   * Resumes the participant of `room` whose resume token is `token` on a new connection; rejects
   * with RESUME_FAILED when there is none (grace over, spent token).
   */
  resume(room: string, token: string, sink: RoomSink): Promise<Membership>;
  /** Whether `room` exists now (someone is in it or waiting to enter): joining it creates nothing. */
  exists(room: string): boolean;
  /** Participants in `room`, or undefined if there is no such room. */
  roomSize(room: string): Promise<number | undefined>;
  /** Everyone in `room` now, with ICE paths and tracks; undefined if there is no such room. */
  participants(room: string): Promise<ParticipantStats[] | undefined>;
  stats(): HostStats;
  /** Closes every room; idempotent. */
  close(): Promise<void>;
}

/** A participant's signaling sink, plus what to do if its room is lost (an SFU worker died). */
export interface RoomSink extends SignalSink {
  lost?(reason: string): void;
}
