import type { PolicyStore } from "./PolicyStore.js";
import { copyPolicy, RoomPolicySchema, type RoomPolicy } from "./RoomPolicy.js";

/** A {@link PolicyStore} in memory: for tests and servers that need no persistence. */
export class MemoryPolicyStore implements PolicyStore {
  readonly #policies = new Map<string, RoomPolicy>();

  /** {@inheritDoc PolicyStore.get} */
  async get(room: string): Promise<RoomPolicy | undefined> {
    const p = this.#policies.get(room);
    return p && copyPolicy(p);
  }

  /** {@inheritDoc PolicyStore.put} Throws a ZodError for an invalid policy. */
  async put(room: string, policy: RoomPolicy): Promise<void> {
    this.#policies.set(room, copyPolicy(RoomPolicySchema.parse(policy)));
  }

  /** {@inheritDoc PolicyStore.delete} */
  async delete(room: string): Promise<void> {
    this.#policies.delete(room);
  }
}
