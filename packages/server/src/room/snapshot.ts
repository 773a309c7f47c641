import type { RoomPolicyInfo, TrackKind, TrackSource } from "@confab/protocol";
import type { ForwardedTrack } from "../sfu/ForwardedTrack.js";
import type { Participant } from "./Participant.js";
import { participantStats, type ParticipantStats } from "./ParticipantStats.js";
import { policyInfo } from "./policy/RoomPolicy.js";
import type { Room } from "./Room.js";

/** One simulcast layer (or the only stream) of a published track, as the SFU receives it. */
export interface LayerSnapshot {
  rid: string | null;
  /** Frame height of the layer's last keyframe (0: none yet, or audio). */
  height: number;
  /** Received bit/s over the last second. */
  bitrate: number;
  /** Packets arrived in the last 1.5 s. */
  live: boolean;
}

/** A published track, for the operator (admin API). */
export interface TrackSnapshot {
  id: string;
  kind: TrackKind;
  source: TrackSource;
  muted: boolean;
  /** A moderator stopped it (a screen share): it stays off until shared again. */
  stopped: boolean;
  /** Participants it is forwarded to. */
  subscribers: number;
  layers: LayerSnapshot[];
}

/**
 * A participant, for the operator (admin API): its {@link ParticipantStats} (identity, role,
 * ICE path of each connection…), its hand, connection states and tracks with their layers.
 */
export interface ParticipantSnapshot extends Omit<ParticipantStats, "tracks"> {
  handRaised: boolean;
  /** `connectionState` of its two peer connections (`new`, `connecting`, `connected`, …). */
  connections: { publisher: string; subscriber: string };
  tracks: TrackSnapshot[];
}

/** A room with a meeting in it (someone in it or waiting to enter), for the operator. */
export interface RoomSnapshot {
  name: string;
  createdAt: number;
  policy: RoomPolicyInfo;
  /** People waiting in the lobby. */
  knocking: number;
  participants: ParticipantSnapshot[];
  /** The SFU worker thread hosting it (absent with `WORKERS=0`). */
  worker?: number;
}

function trackSnapshot(track: ForwardedTrack): TrackSnapshot {
  return {
    ...track.info,
    stopped: track.stopped,
    subscribers: track.sinkCount,
    layers: track.layers.map((l) => ({ rid: l.rid ?? null, height: l.height, bitrate: Math.round(l.bitrate), live: l.live })),
  };
}

function participantSnapshot(p: Participant): ParticipantSnapshot {
  return {
    ...participantStats(p),
    handRaised: p.handRaised,
    connections: { publisher: p.publisher.connectionState, subscriber: p.subscriber.connectionState },
    tracks: p.publisher.tracks.map(trackSnapshot),
  };
}

/** What the operator sees of `room` now (plain data: it crosses the worker boundary). */
export function roomSnapshot(room: Room): RoomSnapshot {
  return {
    name: room.name,
    createdAt: room.createdAt,
    policy: policyInfo(room.policy),
    knocking: room.lobby.knocks.length,
    participants: room.members.map(participantSnapshot),
  };
}
