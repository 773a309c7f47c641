import type { PolicyStore } from "./PolicyStore.js";
import { copyPolicy, type RoomPolicy } from "./RoomPolicy.js";

/**
 * Answers "what is this room's policy": the stored one (changed in a meeting) wins over the
 * operator's rooms file, which wins over the server's default. Always hands out a copy.
 */
export class PolicyResolver {
  readonly #store: PolicyStore;
  readonly #configured: Map<string, RoomPolicy>;
  readonly #defaults: RoomPolicy;

  constructor(store: PolicyStore, configured: Map<string, RoomPolicy>, defaults: RoomPolicy) {
    this.#store = store;
    this.#configured = configured;
    this.#defaults = copyPolicy(defaults);
  }

  /** The room's policy: stored ?? configured ?? defaults, as a copy the caller may change. */
  async resolve(room: string): Promise<RoomPolicy> {
    const stored = await this.#store.get(room);
    return copyPolicy(stored ?? this.#configured.get(room) ?? this.#defaults);
  }

  /** Stores a changed policy for `room`; it now wins over the configured one. */
  async save(room: string, policy: RoomPolicy): Promise<void> {
    await this.#store.put(room, policy);
  }
}
