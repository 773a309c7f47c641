import { describe, expect, it } from "vitest";
import { MemoryPolicyStore } from "./MemoryPolicyStore.js";
import { PolicyResolver } from "./PolicyResolver.js";
import { defaultRoomPolicy, policyInfo, type RoomPolicy } from "./RoomPolicy.js";

const defaults = defaultRoomPolicy(100);
const configured: RoomPolicy = { ...defaultRoomPolicy(20), lobby: true, moderators: ["ann"] };

describe("PolicyResolver", () => {
  it("a stored policy wins over the configured one, which wins over the defaults", async () => {
    const store = new MemoryPolicyStore();
    const resolver = new PolicyResolver(store, new Map([["standup", configured], ["both", configured]]), defaults);
    await store.put("both", { ...configured, locked: true });
    expect(await resolver.resolve("nobody-configured")).toEqual(defaults);
    expect(await resolver.resolve("standup")).toEqual(configured);
    expect((await resolver.resolve("both")).locked).toBe(true);
  });

  it("a saved policy is what the room resolves to next", async () => {
    const resolver = new PolicyResolver(new MemoryPolicyStore(), new Map([["standup", configured]]), defaults);
    await resolver.save("standup", { ...configured, lobby: false });
    expect((await resolver.resolve("standup")).lobby).toBe(false);
  });

  it("hands out copies: changing one changes neither the defaults nor the configured policy", async () => {
    const resolver = new PolicyResolver(new MemoryPolicyStore(), new Map([["standup", configured]]), defaults);
    const a = await resolver.resolve("x");
    a.moderators.push("mallory");
    a.publish.chat = "moderators";
    const b = await resolver.resolve("standup");
    b.moderators.push("mallory");
    expect(await resolver.resolve("x")).toEqual(defaultRoomPolicy(100));
    expect((await resolver.resolve("standup")).moderators).toEqual(["ann"]);
  });
});

describe("policyInfo", () => {
  it("tells whether there is a password, never the hash", () => {
    const info = policyInfo({ ...configured, passwordHash: "scrypt$15$8$1$c2FsdA==$aGFzaA==" });
    expect(info).toEqual({
      locked: false,
      lobby: true,
      hasPassword: true,
      maxParticipants: 20,
      publish: configured.publish,
    });
    expect(JSON.stringify(info)).not.toContain("scrypt");
    expect(policyInfo(defaults).hasPassword).toBe(false);
  });
});
