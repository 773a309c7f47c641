import { describe, expect, it } from "vitest";
import { RoomState } from "./RoomState.js";
import { ParticipantInfo } from "@confab/protocol";


// Parsed, so fields the protocol adds with defaults are filled in.
const person = (id: string, role: ParticipantInfo["role"]): ParticipantInfo => ParticipantInfo.parse({ id, name: id, joinedAt: 1, tracks: [], role });

describe("RoomState roles", () => {
  it("knows who moderates, from joined and from a later promotion", () => {
    const state = new RoomState();
    const policy = { locked: false, lobby: false, hasPassword: false, maxParticipants: 10, publish: { camera: "everyone", microphone: "everyone", screen: "everyone", chat: "everyone" } } as const;
    state.apply({ type: "joined", room: "r", self: person("me", "participant"), participants: [person("ann", "moderator"), person("bob", "participant")], iceServers: [], chat: [], speaker: null, policy });
    expect(state.participants().map((p) => [p.id, p.role])).toEqual([["ann", "moderator"], ["bob", "participant"]]);
    state.apply({ type: "participant.updated", participant: person("bob", "moderator") });
    state.apply({ type: "track.published", participantId: "bob", track: { id: "t1", kind: "audio", source: "microphone", muted: false } });
    expect(state.get("bob")!.role).toBe("moderator");
  });
});
