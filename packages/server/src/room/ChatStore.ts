import type { ChatEntry } from "@confab/protocol";

/**
 * Where a room's chat lives. The embedded default keeps it in memory for the room's lifetime;
 * a persistent or shared (Redis) store implements the same interface.
 */
export interface ChatStore {
  /** Appends a message to `room`'s history. */
  append(room: string, entry: ChatEntry): Promise<void>;
  /** The room's messages, oldest first (at most the store's bound). */
  history(room: string): Promise<ChatEntry[]>;
  /** Forgets the room (it closed). */
  drop(room: string): Promise<void>;
}

/** In-memory chat store keeping the last `limit` messages of each room. */
export class MemoryChatStore implements ChatStore {
  private readonly rooms = new Map<string, ChatEntry[]>();

  constructor(private readonly limit: number) {}

  async append(room: string, entry: ChatEntry): Promise<void> {
    let list = this.rooms.get(room);
    if (!list) {
      list = [];
      this.rooms.set(room, list);
    }
    list.push(entry);
    if (list.length > this.limit) list.splice(0, list.length - this.limit);
  }

  async history(room: string): Promise<ChatEntry[]> {
    return [...(this.rooms.get(room) ?? [])];
  }

  async drop(room: string): Promise<void> {
    this.rooms.delete(room);
  }
}
