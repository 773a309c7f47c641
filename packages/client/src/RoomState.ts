import type { ParticipantInfo, Role, ServerMessage, TrackInfo, TrackSource } from "@confab/protocol";

/** A remote participant as the application sees it. */
export interface RemoteParticipant {
  readonly id: string;
  readonly name: string;
  readonly joinedAt: number;
  readonly handRaised: boolean;
  /** Its role in the room (moderators can moderate). */
  readonly role: Role;
  /** Its connection dropped; it may come back within the server's grace period. */
  readonly reconnecting: boolean;
  /** Published tracks, by track id. */
  readonly tracks: ReadonlyMap<string, TrackInfo>;
}

/** The received media of one remote track, once its section of the subscriber connection exists. */
export interface RemoteMedia {
  readonly participantId: string;
  readonly trackId: string;
  readonly track: MediaStreamTrack;
}

/**
 * The room as known from signaling: who is there and what they publish. Pure state (no I/O), so
 * the ordering rules are unit-tested without a browser.
 */
export class RoomState {
  private readonly byId = new Map<string, RemoteParticipant>();
  private withheldIds: ReadonlySet<string> = new Set();
  selfId: string | undefined;

  /** Participants in the order they joined. */
  participants(): RemoteParticipant[] {
    return [...this.byId.values()].sort((a, b) => a.joinedAt - b.joinedAt || a.id.localeCompare(b.id));
  }

  get(id: string): RemoteParticipant | undefined {
    return this.byId.get(id);
  }

  /**
   * Remote camera track ids the server holds back from this client (last-N: it forwards only
   * the most recent speakers' and the pinned videos). Show those people's avatars instead.
   */
  get withheld(): ReadonlySet<string> {
    return this.withheldIds;
  }

  /** The track `source` of a participant, if published. */
  trackBySource(participantId: string, source: TrackSource): TrackInfo | undefined {
    const p = this.byId.get(participantId);
    if (!p) return undefined;
    for (const t of p.tracks.values()) if (t.source === source) return t;
    return undefined;
  }

  /**
   * Applies a room message; returns whether the state changed. Messages about unknown
   * participants (e.g. a late `track.muted` after `participant.left`) are ignored.
   */
  apply(message: ServerMessage): boolean {
    switch (message.type) {
      case "joined":
        this.byId.clear();
        this.withheldIds = new Set();
        this.selfId = message.self.id;
        for (const p of message.participants) this.put(p);
        return true;
      case "participant.joined":
      case "participant.updated":
        if (message.participant.id === this.selfId) return false;
        this.put(message.participant);
        return true;
      case "participant.left":
        return this.byId.delete(message.participantId);
      case "track.published":
        return this.updateTracks(message.participantId, (tracks) => tracks.set(message.track.id, message.track));
      case "track.unpublished":
        return this.updateTracks(message.participantId, (tracks) => tracks.delete(message.trackId));
      case "track.muted":
        return this.updateTracks(message.participantId, (tracks) => {
          const t = tracks.get(message.trackId);
          if (t) tracks.set(t.id, { ...t, muted: message.muted });
        });
      case "lastN":
        this.withheldIds = new Set(message.withheld);
        return true;
      default:
        return false;
    }
  }

  clear(): void {
    this.byId.clear();
    this.withheldIds = new Set();
  }

  private put(info: ParticipantInfo): void {
    this.byId.set(info.id, {
      id: info.id,
      name: info.name,
      joinedAt: info.joinedAt,
      handRaised: info.handRaised,
      role: info.role,
      reconnecting: info.reconnecting,
      tracks: new Map(info.tracks.map((t) => [t.id, t])),
    });
  }

  /** Replaces a participant with a copy whose tracks were edited (snapshots stay immutable). */
  private updateTracks(participantId: string, edit: (tracks: Map<string, TrackInfo>) => unknown): boolean {
    const p = this.byId.get(participantId);
    if (!p) return false;
    const tracks = new Map(p.tracks);
    edit(tracks);
    this.byId.set(participantId, { ...p, tracks });
    return true;
  }
}
