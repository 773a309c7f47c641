import { describe, expect, it } from "vitest";
import type { ParticipantInfo } from "@confab/protocol";
import { RoomState } from "./RoomState.js";

const mic = { id: "t-mic", kind: "audio" as const, source: "microphone" as const, muted: false };
const cam = { id: "t-cam", kind: "video" as const, source: "camera" as const, muted: false };
const person = (id: string, joinedAt: number, tracks = [mic]): ParticipantInfo => ({ id, name: id, joinedAt, tracks, handRaised: false, role: "participant", reconnecting: false });

function joinedState(): RoomState {
  const state = new RoomState();
  state.apply({
    type: "joined",
    room: "r",
    self: person("me", 5, []),
    participants: [person("b", 2), person("a", 1, [])],
    iceServers: [],
    chat: [],
    speaker: null,
    policy: {
      locked: false,
      lobby: false,
      hasPassword: false,
      maxParticipants: 100,
      publish: { camera: "everyone", microphone: "everyone", screen: "everyone", chat: "everyone" },
    },
  });
  return state;
}

describe("RoomState", () => {
  it("lists the participants already in the room in the order they joined", () => {
    expect(joinedState().participants().map((p) => p.id)).toEqual(["a", "b"]);
  });

  it("adds joiners and removes leavers", () => {
    const state = joinedState();
    expect(state.apply({ type: "participant.joined", participant: person("c", 9) })).toBe(true);
    expect(state.apply({ type: "participant.left", participantId: "a", reason: "left" })).toBe(true);
    expect(state.participants().map((p) => p.id)).toEqual(["b", "c"]);
  });

  it("never lists itself, even if the server echoes it", () => {
    const state = joinedState();
    expect(state.apply({ type: "participant.joined", participant: person("me", 5) })).toBe(false);
    expect(state.get("me")).toBeUndefined();
  });

  it("tracks published, muted and unpublished tracks per participant", () => {
    const state = joinedState();
    state.apply({ type: "track.published", participantId: "a", track: cam });
    expect(state.trackBySource("a", "camera")).toEqual(cam);
    state.apply({ type: "track.muted", participantId: "a", trackId: cam.id, muted: true });
    expect(state.trackBySource("a", "camera")?.muted).toBe(true);
    state.apply({ type: "track.unpublished", participantId: "a", trackId: cam.id });
    expect(state.trackBySource("a", "camera")).toBeUndefined();
  });

  it("replaces a participant's snapshot instead of mutating it, so renderers see the change", () => {
    const state = joinedState();
    const before = state.get("b");
    state.apply({ type: "track.muted", participantId: "b", trackId: mic.id, muted: true });
    expect(state.get("b")).not.toBe(before);
    expect(before?.tracks.get(mic.id)?.muted).toBe(false);
  });

  it("ignores messages about participants it does not know", () => {
    const state = joinedState();
    expect(state.apply({ type: "track.muted", participantId: "gone", trackId: "x", muted: true })).toBe(false);
    expect(state.apply({ type: "participant.left", participantId: "gone", reason: "disconnected" })).toBe(false);
    expect(state.participants()).toHaveLength(2);
  });

  it("keeps the camera tracks the server withholds until a new lastN, a new join or a clear", () => {
    const state = joinedState();
    expect(state.withheld.size).toBe(0);
    expect(state.apply({ type: "lastN", withheld: ["t-cam", "t-other"] })).toBe(true);
    expect([...state.withheld]).toEqual(["t-cam", "t-other"]);
    state.apply({ type: "lastN", withheld: [] });
    expect(state.withheld.size).toBe(0);
    state.apply({ type: "lastN", withheld: ["t-cam"] });
    state.clear();
    expect(state.withheld.size).toBe(0);
  });
});
