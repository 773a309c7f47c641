import { describe, expect, it } from "vitest";
import type { EventParticipant } from "../room/RoomEvents.js";
import { RoomLedger } from "./RoomLedger.js";

const person = (id: string): EventParticipant => ({ id, identity: id, name: id, role: "participant", joinedAt: 0, icePath: "udp" });
const mic = { id: "t1", kind: "audio", source: "microphone", muted: false } as const;

describe("a worker's room ledger", () => {
  it("ends only what is still open when the worker is lost: tracks, then people, then the room", () => {
    const ledger = new RoomLedger();
    ledger.record({ event: "room_started", room: "a" });
    ledger.record({ event: "participant_joined", room: "a", participant: person("p1") });
    ledger.record({ event: "participant_joined", room: "a", participant: person("p2") });
    ledger.record({ event: "track_published", room: "a", participant: person("p1"), track: mic });
    ledger.record({ event: "participant_left", room: "a", participant: person("p2"), reason: "left" });
    ledger.record({ event: "room_started", room: "b" });
    ledger.record({ event: "room_ended", room: "b", reason: "empty" });
    expect(ledger.lost()).toEqual([
      { event: "track_unpublished", room: "a", participant: person("p1"), track: mic },
      { event: "participant_left", room: "a", participant: person("p1"), reason: "lost" },
      { event: "room_ended", room: "a", reason: "lost" },
    ]);
    expect(ledger.lost()).toEqual([]);
  });
});
