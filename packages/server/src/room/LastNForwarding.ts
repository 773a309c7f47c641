import type { ServerMessage } from "@confab/protocol";
import type { ForwardedTrack } from "../sfu/ForwardedTrack.js";
import { selectLastN } from "./lastN.js";

/** What last-N needs of a participant ({@link Participant} is one). */
export interface LastNMember {
  readonly id: string;
  send(message: ServerMessage): void;
  readonly subscriber: {
    /** Holds these camera videos back (composes with the client's `view`). */
    setWithheld(trackIds: ReadonlySet<string>): void;
  };
}

interface MemberState {
  readonly member: LastNMember;
  /** Its published camera tracks. */
  readonly cameras: ForwardedTrack[];
  /** Track ids it pinned (from its `view`). */
  pinned: ReadonlySet<string>;
  /** What it was last told is withheld. */
  withheld: ReadonlySet<string>;
}

/**
 * A room's last-N forwarding (`LAST_N`): keeps the order in which people were the dominant
 * speaker and, whenever that order, the members, their cameras or their pins change, chooses
 * per member which remote cameras flow ({@link selectLastN}), holds the others back in its
 * subscriber and tells it with `lastN`. With N = 0 it does nothing at all.
 */
export class LastNForwarding {
  /** Participants who have been the dominant speaker, most recent first. */
  private readonly speakers: string[] = [];
  /** Members in join order (a `Map` keeps insertion order). */
  private readonly members = new Map<string, MemberState>();

  constructor(private readonly n: number) {}

  /** Participants who have been the dominant speaker, most recent first. */
  get recency(): readonly string[] {
    return this.speakers;
  }

  join(member: LastNMember): void {
    if (this.n === 0 || this.members.has(member.id)) return;
    this.members.set(member.id, { member, cameras: [], pinned: new Set(), withheld: new Set() });
    this.refresh(member.id);
  }

  leave(participantId: string): void {
    if (!this.members.delete(participantId)) return;
    const i = this.speakers.indexOf(participantId);
    if (i >= 0) this.speakers.splice(i, 1);
    this.refresh();
  }

  /** A member published a track; only cameras count. */
  published(ownerId: string, track: ForwardedTrack): void {
    const state = this.members.get(ownerId);
    if (!state || track.kind !== "video" || track.sourceKind !== "camera") return;
    state.cameras.push(track);
    this.refresh();
  }

  unpublished(ownerId: string, trackId: string): void {
    const cameras = this.members.get(ownerId)?.cameras;
    const i = cameras?.findIndex((t) => t.id === trackId) ?? -1;
    if (i < 0) return;
    cameras!.splice(i, 1);
    this.refresh();
  }

  /** The track ids a member pinned (unknown ones are ignored when choosing). */
  setPinned(participantId: string, trackIds: Iterable<string>): void {
    const state = this.members.get(participantId);
    if (!state) return;
    const pinned = new Set(trackIds);
    if (sameSet(pinned, state.pinned)) return;
    state.pinned = pinned;
    this.refresh(participantId);
  }

  /** The dominant speaker changed; `null` (silence) keeps the order as it is. */
  speakerChanged(participantId: string | null): void {
    if (participantId === null || !this.members.has(participantId) || this.speakers[0] === participantId) return;
    const i = this.speakers.indexOf(participantId);
    if (i >= 0) this.speakers.splice(i, 1);
    this.speakers.unshift(participantId);
    this.refresh();
  }

  /** Re-chooses for one member, or for all (e.g. after a camera was muted or unmuted). */
  refresh(participantId?: string): void {
    if (this.n === 0) return;
    // A muted camera sends nothing worth a place: it neither takes one nor is held back.
    const cameras = new Map<string, string[]>();
    for (const [id, s] of this.members) cameras.set(id, s.cameras.filter((t) => !t.muted).map((t) => t.id));
    const targets = participantId === undefined ? this.members.values() : [this.members.get(participantId)].filter((s) => s !== undefined);
    for (const state of targets) {
      const subscriberId = state.member.id;
      const forwarded = selectLastN({ subscriberId, speakers: this.speakers, cameras, pinned: state.pinned, n: this.n });
      const withheld = new Set<string>();
      for (const [owner, ids] of cameras) {
        if (owner !== subscriberId) for (const id of ids) if (!forwarded.has(id)) withheld.add(id);
      }
      if (sameSet(withheld, state.withheld)) continue;
      state.withheld = withheld;
      state.member.subscriber.setWithheld(withheld);
      state.member.send({ type: "lastN", withheld: [...withheld] });
    }
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
