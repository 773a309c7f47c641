import type { ServerConfig } from "../../config/config.js";
import { FilePolicyStore } from "./FilePolicyStore.js";
import { MemoryPolicyStore } from "./MemoryPolicyStore.js";
import { PolicyResolver } from "./PolicyResolver.js";
import { defaultRoomPolicy, type RoomPolicy } from "./RoomPolicy.js";

/**
 * The resolver a server (or one SFU worker) uses: policies changed in meetings kept in
 * `DATA_DIR/rooms/` when `auth.persistPolicies` (else in memory), over `configured` (the
 * operator's rooms file, loaded once with `loadRoomsFile` in the main thread so a bad file
 * stops the start; a Map crosses to workers through `workerData`), over the default policy
 * with the server's `rooms.maxParticipants`.
 */
export function createPolicyResolver(config: ServerConfig, configured: Map<string, RoomPolicy> = new Map()): PolicyResolver {
  const store = config.auth.persistPolicies ? new FilePolicyStore(config.dataDir) : new MemoryPolicyStore();
  return new PolicyResolver(store, configured, defaultRoomPolicy(config.rooms.maxParticipants));
}
