import { describe, expect, it } from "vitest";
import { selectLastN, type LastNInput } from "./lastN.js";

/** Cameras `<owner>-cam` for owners in join order. */
function cameras(...owners: string[]): Map<string, string[]> {
  return new Map(owners.map((o) => [o, [`${o}-cam`]]));
}

function select(overrides: Partial<LastNInput>): string[] {
  const input: LastNInput = { subscriberId: "me", speakers: [], cameras: cameras("me", "a", "b", "c", "d"), pinned: new Set(), n: 2, ...overrides };
  return [...selectLastN(input)].sort();
}

describe("selectLastN", () => {
  it("forwards the N most recent speakers", () => {
    expect(select({ speakers: ["c", "a", "b"] })).toEqual(["a-cam", "c-cam"]);
    expect(select({ speakers: ["d"], n: 1 })).toEqual(["d-cam"]);
  });

  it("always forwards pinned and screen shares", () => {
    // Screen shares are not among the cameras it chooses from, so nothing can hold them back;
    // pinned videos come on top of the N recent speakers instead of taking their places.
    expect(select({ speakers: ["a", "b"], pinned: new Set(["d-cam"]) })).toEqual(["a-cam", "b-cam", "d-cam"]);
    expect(select({ speakers: ["a", "b"], pinned: new Set(["a-cam"]) })).toEqual(["a-cam", "b-cam", "c-cam"]);
  });

  it("ignores pinned ids that are no one's camera", () => {
    expect(select({ speakers: ["a", "b"], pinned: new Set(["nobody-cam", "a-screen"]) })).toEqual(["a-cam", "b-cam"]);
  });

  it("ranks people who never spoke by join order", () => {
    expect(select({ speakers: [] })).toEqual(["a-cam", "b-cam"]);
    expect(select({ speakers: ["d"], n: 3 })).toEqual(["a-cam", "b-cam", "d-cam"]);
    expect(select({ speakers: ["d"], n: 3, cameras: cameras("c", "me", "b", "a", "d") })).toEqual(["b-cam", "c-cam", "d-cam"]);
  });

  it("never selects the subscriber's own video", () => {
    expect(select({ speakers: ["me", "a"], n: 1 })).toEqual(["a-cam"]);
    expect(select({ speakers: ["me"], pinned: new Set(["me-cam"]), n: 0 })).toEqual(["a-cam", "b-cam", "c-cam", "d-cam"]);
  });

  it("forwards every camera when N is 0", () => {
    expect(select({ n: 0 })).toEqual(["a-cam", "b-cam", "c-cam", "d-cam"]);
  });

  it("forwards everyone when there are no more than N others", () => {
    expect(select({ cameras: cameras("me", "a"), speakers: ["a"], n: 4 })).toEqual(["a-cam"]);
  });
});
