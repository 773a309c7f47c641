import type { TrackInfo } from "@confab/protocol";
import type { EventParticipant, RoomEvent } from "../room/RoomEvents.js";

interface Present {
  participant: EventParticipant;
  tracks: Map<string, TrackInfo>;
}

/**
 * What one SFU worker's rooms hold, as their events told the main thread: who is in each room
 * and what they publish. When the worker dies its rooms cannot report their end, so the main
 * thread closes the story for them ({@link lost}): a webhook receiver that counts people never
 * keeps ghosts.
 */
export class RoomLedger {
  private readonly rooms = new Map<string, Map<string, Present>>();

  /** Follows one event of the worker's rooms. */
  record(event: RoomEvent): void {
    switch (event.event) {
      case "room_started":
        this.rooms.set(event.room, new Map());
        return;
      case "room_ended":
        this.rooms.delete(event.room);
        return;
      case "participant_joined":
        this.room(event.room).set(event.participant.id, { participant: event.participant, tracks: new Map() });
        return;
      case "participant_left":
        this.rooms.get(event.room)?.delete(event.participant.id);
        return;
      case "track_published":
        this.rooms.get(event.room)?.get(event.participant.id)?.tracks.set(event.track.id, event.track);
        return;
      case "track_unpublished":
        this.rooms.get(event.room)?.get(event.participant.id)?.tracks.delete(event.track.id);
        return;
      default: {
        const unreachable: never = event;
        throw new Error(`unknown room event ${(unreachable as { event: string }).event}`);
      }
    }
  }

  /**
   * The events that end everything still open, reason `lost`, in the order a room would have
   * sent them (each participant's tracks, the participant, then the room); forgets it all.
   */
  lost(): RoomEvent[] {
    const out: RoomEvent[] = [];
    for (const [room, present] of this.rooms) {
      for (const { participant, tracks } of present.values()) {
        for (const track of tracks.values()) out.push({ event: "track_unpublished", room, participant, track });
        out.push({ event: "participant_left", room, participant, reason: "lost" });
      }
      out.push({ event: "room_ended", room, reason: "lost" });
    }
    this.rooms.clear();
    return out;
  }

  private room(name: string): Map<string, Present> {
    let r = this.rooms.get(name);
    if (!r) this.rooms.set(name, (r = new Map()));
    return r;
  }
}

