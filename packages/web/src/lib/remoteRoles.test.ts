import { describe, expect, it } from "vitest";
import { RoomState } from "@confab/client";
import { ParticipantInfo } from "@confab/protocol";
import { keepRemoteRoles, roleOf } from "./remoteRoles.js";

// Parsed, so fields the protocol adds with defaults are filled in.
const person = (id: string, role: ParticipantInfo["role"]): ParticipantInfo => ParticipantInfo.parse({ id, name: id, joinedAt: 1, tracks: [], role });

describe("remote roles", () => {
  it("knows who moderates, from joined and from a later promotion", () => {
    keepRemoteRoles();
    const state = new RoomState();
    const policy = { locked: false, lobby: false, hasPassword: false, maxParticipants: 10, publish: { camera: "everyone", microphone: "everyone", screen: "everyone", chat: "everyone" } } as const;
    state.apply({ type: "joined", room: "r", self: person("me", "participant"), participants: [person("ann", "moderator"), person("bob", "participant")], iceServers: [], chat: [], speaker: null, policy });
    expect(state.participants().map((p) => [p.id, roleOf(p)])).toEqual([["ann", "moderator"], ["bob", "participant"]]);
    state.apply({ type: "participant.updated", participant: person("bob", "moderator") });
    state.apply({ type: "track.published", participantId: "bob", track: { id: "t1", kind: "audio", source: "microphone", muted: false } });
    expect(roleOf(state.get("bob")!)).toBe("moderator");
  });
});
