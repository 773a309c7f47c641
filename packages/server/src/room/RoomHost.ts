import type { ClientMessage, ModerationAction } from "@confab/protocol";
import type { JoinRequest } from "./JoinRequest.js";
import type { SignalSink } from "./Participant.js";
import type { RoomPolicy } from "./policy/RoomPolicy.js";
import type { RoomSnapshot } from "./snapshot.js";

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

/** One SFU worker thread's V8 memory (`process.memoryUsage()` in that thread: its own isolate), bytes. */
export interface WorkerMemory {
  worker: number;
  heapUsed: number;
  heapTotal: number;
  /** C++ memory V8 knows is held by this thread's JavaScript objects (Buffers included). */
  external: number;
  /** ArrayBuffers and Buffers, part of `external`. */
  arrayBuffers: number;
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
  /** Packets the native send batch could not hand to the kernel (full send buffer, closed socket). */
  sendsDropped: number;
  lanePackets: number;
  shortcutPackets: number;
  /** STUN requests dropped unanswered (not authenticated with the connection's ICE credentials). */
  stunRequestsDropped: number;
  /** Datagrams at the shared media port from an address no connection has bound (`RTC_UDP_PORT`). */
  sharedPortDatagramsDropped: number;
  /** Remote addresses the shared media ports route to a connection now (`RTC_UDP_PORT`; a gauge). */
  sharedPortAddresses: number;
  /** V8 heap in use by the SFU worker threads (0 for rooms in the main thread: its heap is the process's). */
  workerHeapUsedBytes: number;
  /** The worst SFU worker's event-loop delay, 99th percentile over its last stats interval, ms. */
  workerEventLoopDelayP99Ms: number;
  /** Each live SFU worker thread's V8 memory, as of its last report (none for rooms in the main thread). */
  workerMemory: WorkerMemory[];
  /** Remote ICE candidates refused (address, form, or too many for one connection). */
  remoteCandidatesRefused: number;
  /** Publisher RTP packets dropped past a participant's publish cap (or of a track it paused). */
  publishCapDrops: number;
  /** Tracks paused by a publish cap. */
  publishCapPauses: number;
}

/** Whether a host can take new meetings (`/readyz`). */
export interface Readiness {
  ready: boolean;
  /** Why not: shutting down, an SFU worker not running, or closed. */
  reason?: "draining" | "workers" | "closed";
  /** SFU worker threads running, of those configured (absent with `WORKERS=0`). */
  workers?: { up: number; total: number };
}

/** Stats of a host with nothing in it. */
export function emptyStats(): HostStats {
  return { rooms: 0, participants: 0, packetsIn: 0, packetsOut: 0, keyframeRequests: 0, layerSwitches: 0, retransmissions: 0, paddingPackets: 0, sendsDropped: 0, lanePackets: 0, shortcutPackets: 0, stunRequestsDropped: 0, sharedPortDatagramsDropped: 0, sharedPortAddresses: 0, remoteCandidatesRefused: 0, publishCapDrops: 0, publishCapPauses: 0, workerHeapUsedBytes: 0, workerEventLoopDelayP99Ms: 0, workerMemory: [] };
}

/** Adds `b`'s counters (not its gauges: rooms, participants, heap, delay) to `a`. */
export function addCounters(a: HostStats, b: HostStats): HostStats {
  a.packetsIn += b.packetsIn;
  a.packetsOut += b.packetsOut;
  a.keyframeRequests += b.keyframeRequests;
  a.layerSwitches += b.layerSwitches;
  a.retransmissions += b.retransmissions;
  a.paddingPackets += b.paddingPackets;
  a.sendsDropped += b.sendsDropped;
  a.lanePackets += b.lanePackets;
  a.shortcutPackets += b.shortcutPackets;
  a.stunRequestsDropped += b.stunRequestsDropped;
  a.sharedPortDatagramsDropped += b.sharedPortDatagramsDropped;
  a.remoteCandidatesRefused += b.remoteCandidatesRefused;
  a.publishCapDrops += b.publishCapDrops;
  a.publishCapPauses += b.publishCapPauses;
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
  stats(): HostStats;
  /**
   * The server is shutting down: from now on a join that would start a meeting is refused
   * with SERVER_DRAINING; meetings in progress go on (joins and resumes included). Idempotent.
   */
  drain(): void;
  readiness(): Readiness;
  /**
   * Meetings in progress (all, or only the one in `room`), as the operator sees them: everyone
   * in them with ICE paths, connection states and tracks.
   */
  snapshot(room?: string): Promise<RoomSnapshot[]>;
  /**
   * Stores `policy` for `room`'s next meetings (see `RoomManager.configure`); BAD_STATE while a
   * meeting is in progress there.
   */
  configure(room: string, policy: RoomPolicy): Promise<void>;
  /**
   * Applies a moderator action to the meeting in `room` as the operator (admin API), through
   * the same code as a moderator's; BAD_STATE when there is no such meeting or participant.
   */
  moderate(room: string, command: ModerationAction): Promise<void>;
  /** Closes every room; idempotent. */
  close(): Promise<void>;
}

/** A participant's signaling sink, plus what to do if its room is lost (an SFU worker died). */
export interface RoomSink extends SignalSink {
  lost?(reason: string): void;
}
