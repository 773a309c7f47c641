import type { RoomPolicy } from "./RoomPolicy.js";
import type { FilePolicyStore } from "./FilePolicyStore.js";
import type { MemoryPolicyStore } from "./MemoryPolicyStore.js";

/**
 * Where room policies live, keyed by room name. The embedded server uses
 * {@link FilePolicyStore} (survives restarts) and tests {@link MemoryPolicyStore}; a Redis
 * implementation for several nodes will keep each policy as JSON under
 * `confab:room:<name>:policy`. Implementations validate what they read and never hand out an
 * object they keep (callers may mutate what they get).
 */
export interface PolicyStore {
  /** The stored policy of `room`, or undefined when none (or the stored one is unreadable). */
  get(room: string): Promise<RoomPolicy | undefined>;
  /** Stores `policy` for `room`, replacing any previous one. */
  put(room: string, policy: RoomPolicy): Promise<void>;
  /** Forgets `room`'s policy (no error when there is none). */
  delete(room: string): Promise<void>;
  /** Finishes pending writes and releases resources. */
  close?(): Promise<void>;
}
