import { describe, expect, it } from "vitest";
import { isValidRoomName, randomRoomName, roomFromPath } from "./roomName.js";

describe("room names", () => {
  it("generates valid, varied names", () => {
    const names = new Set(Array.from({ length: 50 }, () => randomRoomName()));
    expect(names.size).toBe(50);
    for (const n of names) {
      expect(isValidRoomName(n)).toBe(true);
      expect(n).toMatch(/^[a-z]{4}-[a-z]{4}-[a-z]{4}$/);
    }
  });

  it("accepts the server's pattern and nothing else", () => {
    expect(isValidRoomName("standup")).toBe(true);
    expect(isValidRoomName("Team_A-1")).toBe(true);
    expect(isValidRoomName("a".repeat(64))).toBe(true);
    expect(isValidRoomName("a".repeat(65))).toBe(false);
    expect(isValidRoomName("")).toBe(false);
    expect(isValidRoomName("with space")).toBe(false);
    expect(isValidRoomName("<script>")).toBe(false);
    expect(isValidRoomName("комната")).toBe(false);
  });

  it("reads the room from the path", () => {
    expect(roomFromPath("/")).toBeUndefined();
    expect(roomFromPath("/standup")).toBe("standup");
    expect(roomFromPath("/standup/")).toBe("standup");
    expect(roomFromPath("/a/b")).toBeNull();
    expect(roomFromPath("/%E0%A4%A")).toBeNull();
    expect(roomFromPath("/%3Cscript%3E")).toBeNull();
  });
});
