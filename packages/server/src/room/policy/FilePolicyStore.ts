import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { ROOM_NAME_PATTERN } from "@confab/protocol";
import type { PolicyStore } from "./PolicyStore.js";
import { RoomPolicySchema, type RoomPolicy } from "./RoomPolicy.js";

/** Settings of a {@link FilePolicyStore}. */
export interface FilePolicyStoreOptions {
  /**
   * Told about a stored file that cannot be read or fails validation; the store then answers
   * as if the room had no policy. Default: nothing (the server passes its logger).
   */
  onCorrupt?: (room: string, file: string, error: unknown) => void;
}

/**
 * A {@link PolicyStore} keeping one JSON file per room in `<dataDir>/rooms/<room>.json`
 * (directory 0700, files 0600: they hold password hashes). Writes go to a temp file that is
 * renamed over the old one, so a crash never leaves half a policy; writes to one room are
 * serialised, so the last `put` wins on disk as in memory.
 */
export class FilePolicyStore implements PolicyStore {
  /** Directory holding the room files, `<dataDir>/rooms`. */
  readonly dir: string;
  readonly #onCorrupt: NonNullable<FilePolicyStoreOptions["onCorrupt"]>;
  /** Tail of each room's write queue. */
  readonly #queues = new Map<string, Promise<void>>();
  #dirReady: Promise<void> | undefined;

  constructor(dataDir: string, options: FilePolicyStoreOptions = {}) {
    this.dir = path.resolve(dataDir, "rooms");
    this.#onCorrupt = options.onCorrupt ?? (() => {});
  }

  /** Path of `room`'s file; refuses any name that could leave the directory. */
  #file(room: string): string {
    // Room names are validated at the socket boundary already; a path is too costly to get wrong.
    if (!ROOM_NAME_PATTERN.test(room)) throw new RangeError(`invalid room name ${JSON.stringify(room)}`);
    return path.join(this.dir, `${room}.json`);
  }

  /** {@inheritDoc PolicyStore.get} */
  async get(room: string): Promise<RoomPolicy | undefined> {
    const file = this.#file(room);
    let text: string;
    try {
      text = await fs.readFile(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      this.#onCorrupt(room, file, e);
      return undefined;
    }
    try {
      return RoomPolicySchema.parse(JSON.parse(text));
    } catch (e) {
      this.#onCorrupt(room, file, e);
      return undefined;
    }
  }

  /** {@inheritDoc PolicyStore.put} Throws a ZodError for an invalid policy (nothing is written). */
  async put(room: string, policy: RoomPolicy): Promise<void> {
    const file = this.#file(room);
    const text = JSON.stringify(RoomPolicySchema.parse(policy), null, 2) + "\n";
    return this.#enqueue(room, () => this.#write(file, text));
  }

  /** {@inheritDoc PolicyStore.delete} */
  async delete(room: string): Promise<void> {
    const file = this.#file(room);
    return this.#enqueue(room, () => fs.rm(file, { force: true }));
  }

  /** Waits for every pending write. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#queues.values()]);
  }

  #enqueue(room: string, job: () => Promise<void>): Promise<void> {
    const run = (this.#queues.get(room) ?? Promise.resolve()).then(job);
    // The queue continues after a failed write; the caller still sees its own failure.
    const tail = run.catch(() => {});
    this.#queues.set(room, tail);
    void tail.then(() => {
      if (this.#queues.get(room) === tail) this.#queues.delete(room);
    });
    return run;
  }

  async #write(file: string, text: string): Promise<void> {
    this.#dirReady ??= fs.mkdir(this.dir, { recursive: true, mode: 0o700 }).then(() => {});
    await this.#dirReady.catch((e: unknown) => {
      this.#dirReady = undefined;
      throw e;
    });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      const handle = await fs.open(tmp, "wx", 0o600);
      try {
        await handle.writeFile(text, "utf8");
        await handle.sync(); // so a power cut after the rename cannot leave an empty file
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, file);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }
}
