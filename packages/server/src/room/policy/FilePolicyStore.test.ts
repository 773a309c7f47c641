import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FilePolicyStore } from "./FilePolicyStore.js";
import { MemoryPolicyStore } from "./MemoryPolicyStore.js";
import { defaultRoomPolicy, type RoomPolicy } from "./RoomPolicy.js";

let dataDir: string;
beforeEach(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "confab-policy-"));
});
afterEach(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

const locked = (max: number): RoomPolicy => ({
  ...defaultRoomPolicy(max),
  locked: true,
  publish: { camera: "everyone", microphone: "everyone", screen: "moderators", chat: "everyone" },
  moderators: ["ann"],
});

describe("FilePolicyStore", () => {
  it("a policy put before a restart is there after it (new instance, same directory)", async () => {
    const before = new FilePolicyStore(dataDir);
    await before.put("standup", locked(20));
    await before.close();
    const after = new FilePolicyStore(dataDir);
    expect(await after.get("standup")).toEqual(locked(20));
    expect(await after.get("other")).toBeUndefined();
    const file = path.join(dataDir, "rooms", "standup.json");
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
  });

  it("delete forgets a room, and deleting an unknown room is no error", async () => {
    const store = new FilePolicyStore(dataDir);
    await store.put("standup", locked(20));
    await store.delete("standup");
    await store.delete("never");
    expect(await store.get("standup")).toBeUndefined();
  });

  it("a corrupt or invalid file reads as no policy and is reported, not a crash", async () => {
    const reported: string[] = [];
    const store = new FilePolicyStore(dataDir, { onCorrupt: (room) => reported.push(room) });
    await fs.mkdir(path.join(dataDir, "rooms"), { recursive: true });
    await fs.writeFile(path.join(dataDir, "rooms", "broken.json"), "{ half a poli");
    await fs.writeFile(path.join(dataDir, "rooms", "wrong.json"), JSON.stringify({ ...locked(5), maxParticipants: -1 }));
    await fs.writeFile(path.join(dataDir, "rooms", "hash.json"), JSON.stringify({ ...locked(5), passwordHash: "plain" }));
    expect(await store.get("broken")).toBeUndefined();
    expect(await store.get("wrong")).toBeUndefined();
    expect(await store.get("hash")).toBeUndefined();
    expect(reported).toEqual(["broken", "wrong", "hash"]);
  });

  it("concurrent puts to one room leave the last one on disk, whole, and no temp files", async () => {
    const store = new FilePolicyStore(dataDir);
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.put("standup", locked(i + 1))));
    expect(await new FilePolicyStore(dataDir).get("standup")).toEqual(locked(50));
    expect(await fs.readdir(path.join(dataDir, "rooms"))).toEqual(["standup.json"]);
  });

  it("a get during writes sees a whole policy, never half of one", async () => {
    const store = new FilePolicyStore(dataDir);
    await store.put("standup", locked(1));
    const writes = Array.from({ length: 30 }, (_, i) => store.put("standup", locked(i + 2)));
    const reads = await Promise.all(Array.from({ length: 30 }, () => store.get("standup")));
    await Promise.all(writes);
    for (const r of reads) expect(r?.moderators).toEqual(["ann"]);
  });

  it("refuses room names that could leave its directory, and invalid policies, without writing", async () => {
    const store = new FilePolicyStore(dataDir);
    for (const bad of ["../escape", "a/b", "", ".", "x".repeat(65)]) {
      await expect(store.get(bad)).rejects.toThrow(RangeError);
      await expect(store.put(bad, locked(2))).rejects.toThrow(RangeError);
    }
    await expect(store.put("ok", { ...locked(2), maxParticipants: 0 })).rejects.toThrow();
    await expect(fs.readdir(path.join(dataDir, "rooms"))).rejects.toThrow();
  });
});

describe("MemoryPolicyStore", () => {
  it("keeps policies and hands out copies the caller cannot change", async () => {
    const store = new MemoryPolicyStore();
    const policy = locked(10);
    await store.put("standup", policy);
    policy.moderators.push("mallory");
    const got = await store.get("standup");
    got!.publish.camera = "moderators";
    expect(await store.get("standup")).toEqual(locked(10));
    await store.delete("standup");
    expect(await store.get("standup")).toBeUndefined();
  });
});
