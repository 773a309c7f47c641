import { pino } from "pino";
import type { Role } from "@confab/protocol";
import { resolveConfig, type ConfigOverrides, type ServerConfig } from "../config/config.js";
import { MemoryChatStore } from "../room/ChatStore.js";
import { grantsForRole } from "../auth/tokens.js";
import type { JoinRequest } from "../room/JoinRequest.js";
import { MemoryPolicyStore } from "../room/policy/MemoryPolicyStore.js";
import { PolicyResolver } from "../room/policy/PolicyResolver.js";
import { defaultRoomPolicy, type RoomPolicy } from "../room/policy/RoomPolicy.js";
import { RoomManager } from "../room/RoomManager.js";

/** A join request as the session builds it, for tests of the room layer. */
export function joinRequestFor(room: string, name: string, extra: Partial<JoinRequest> & { role?: Role } = {}): JoinRequest {
  const role = extra.role ?? "participant";
  return {
    room,
    identity: `id-${name.toLowerCase()}-${Math.random().toString(36).slice(2, 8)}`,
    name,
    role,
    grants: grantsForRole(role),
    auth: "token",
    ...extra,
  };
}

/** A config for room-layer tests: loopback media, policies in memory, signing credentials set. */
export function roomTestConfig(overrides: ConfigOverrides = {}): ServerConfig {
  return resolveConfig({
    ...overrides,
    rtc: { announcedIps: ["127.0.0.1"], ...overrides.rtc },
    auth: { apiKey: "APItest", apiSecret: "test-secret-test-secret-test-secret-0123", persistPolicies: false, ...overrides.auth },
  });
}

/** A room manager in this thread with in-memory chat and policies (`configured` rooms optional). */
export function roomManagerFor(config: ServerConfig, configured = new Map<string, RoomPolicy>()): RoomManager {
  const resolver = new PolicyResolver(new MemoryPolicyStore(), configured, defaultRoomPolicy(config.rooms.maxParticipants));
  return new RoomManager(config, pino({ level: "silent" }), new MemoryChatStore(10), resolver);
}
