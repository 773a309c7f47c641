import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "../../auth/password.js";
import { ConfigError } from "../../config/env.js";
import { defaultRoomPolicy } from "./RoomPolicy.js";
import { loadRoomsFile } from "./RoomsFile.js";

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "confab-rooms-"));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function roomsFile(content: unknown): Promise<string> {
  const file = path.join(dir, "rooms.json");
  await fs.writeFile(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

const defaults = defaultRoomPolicy(100);

describe("loadRoomsFile", () => {
  it("merges each room's fields over the defaults and hashes a clear password", async () => {
    const rooms = await loadRoomsFile(
      await roomsFile({
        standup: { password: "s3cret", lobby: true, locked: false, maxParticipants: 20, publish: { screen: "moderators" }, moderators: ["ann"] },
        open: {},
      }),
      defaults,
    );
    const standup = rooms.get("standup")!;
    expect(standup).toMatchObject({
      lobby: true,
      locked: false,
      maxParticipants: 20,
      publish: { camera: "everyone", microphone: "everyone", screen: "moderators", chat: "everyone" },
      moderators: ["ann"],
    });
    expect(standup.passwordHash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(standup)).not.toContain("s3cret");
    expect(await verifyPassword("s3cret", standup.passwordHash!)).toBe(true);
    expect(rooms.get("open")).toEqual(defaults);
  });

  it("accepts a passwordHash made earlier", async () => {
    const passwordHash = await hashPassword("pw");
    const rooms = await loadRoomsFile(await roomsFile({ r: { passwordHash } }), defaults);
    expect(rooms.get("r")!.passwordHash).toBe(passwordHash);
  });

  it("names the room and field of an invalid entry", async () => {
    const cases: [unknown, RegExp][] = [
      [{ standup: { publish: { screen: "admins" } } }, /room "standup", field publish\.screen/],
      [{ standup: { maxParticipants: 0 } }, /room "standup", field maxParticipants/],
      [{ standup: { lobbby: true } }, /room "standup"/],
      [{ standup: { password: "" } }, /room "standup", field password/],
      [{ standup: { password: "a", passwordHash: "b" } }, /room "standup", field password/],
      [{ standup: { passwordHash: "plain" } }, /room "standup", field passwordHash/],
      [{ standup: { moderators: ["bad id"] } }, /room "standup", field moderators\.0/],
      [{ "bad/name": {} }, /bad\/name/],
      [[1, 2], /top level/],
    ];
    for (const [content, message] of cases) {
      const file = await roomsFile(content);
      await expect(loadRoomsFile(file, defaults), JSON.stringify(content)).rejects.toThrow(ConfigError);
      await expect(loadRoomsFile(file, defaults)).rejects.toThrow(message);
    }
  });

  it("refuses a missing file or one that is not JSON with a ConfigError", async () => {
    await expect(loadRoomsFile(path.join(dir, "missing.json"))).rejects.toThrow(ConfigError);
    await expect(loadRoomsFile(await roomsFile("{ nope"))).rejects.toThrow(ConfigError);
  });
});
