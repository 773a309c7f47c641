import type { Role, TrackInfo } from "@confab/protocol";
import type { IcePath } from "../sfu/icePath.js";
import type { Participant } from "./Participant.js";

/**
 * What the server can tell an operator about one participant (admin API, logs, webhooks).
 * Plain data: it crosses from an SFU worker to the main thread as it is.
 */
export interface ParticipantStats {
  id: string;
  identity: string;
  name: string;
  role: Role;
  /** ms since the epoch. */
  joinedAt: number;
  /** Its signaling connection dropped and it may still resume. */
  reconnecting: boolean;
  /** The path of its media, the worse of its two connections' (see {@link participantIcePath}). */
  icePath: IcePath | null;
  /** Each connection's path: `null` while that connection is not up. */
  ice: { publisher: IcePath | null; subscriber: IcePath | null };
  tracks: TrackInfo[];
}

/** Paths from best to worst: an operator wants to know when someone is relayed at all. */
const RANK: Record<IcePath, number> = { udp: 0, tcp: 1, relay: 2 };

/**
 * A participant's ICE path: the worse of its publisher's and subscriber's (both come from one
 * client's network, so they differ only when a direct path failed for one of them), or the
 * one that is up, or `null` when neither is.
 */
export function participantIcePath(publisher: IcePath | null, subscriber: IcePath | null): IcePath | null {
  if (publisher === null) return subscriber;
  if (subscriber === null) return publisher;
  return RANK[publisher] >= RANK[subscriber] ? publisher : subscriber;
}

/** The stats of `p` now. */
export function participantStats(p: Participant): ParticipantStats {
  const ice = { publisher: p.publisher.icePath, subscriber: p.subscriber.icePath };
  return {
    id: p.id,
    identity: p.identity,
    name: p.name,
    role: p.role,
    joinedAt: p.joinedAt,
    reconnecting: p.reconnecting,
    icePath: participantIcePath(ice.publisher, ice.subscriber),
    ice,
    tracks: p.publisher.tracks.map((t) => t.info),
  };
}
