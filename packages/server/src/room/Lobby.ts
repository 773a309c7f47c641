import { randomBytes } from "node:crypto";
import { ErrorCode, type Knock } from "@confab/protocol";
import { UserError } from "../errors.js";

interface Waiting {
  knock: Knock;
  admit: () => void;
  refuse: (error: Error) => void;
}

/**
 * A room's waiting room: people knock, moderators admit or deny them. A knock ends when it is
 * answered, when it times out, or when the person gives up (closes the connection).
 */
export class Lobby {
  private readonly waiting = new Map<string, Waiting>();
  private closed = false;

  constructor(
    private readonly timeoutMs: number,
    /** Called whenever the list of knocks changes (the room tells its moderators). */
    private readonly onChange: () => void,
    /** Most people waiting at once; further knocks are refused. */
    private readonly capacity = 100,
  ) {}

  /** Everyone waiting, in knock order. */
  get knocks(): Knock[] {
    return [...this.waiting.values()].map((w) => w.knock);
  }

  /**
   * Waits to be let in: resolves when a moderator admits, rejects with `LOBBY_DENIED`,
   * `LOBBY_TIMEOUT`, or when `signal` aborts (the person left). `onKnock` gets the knock's id
   * before anyone can answer it.
   */
  knock(name: string, signal?: AbortSignal, onKnock?: (id: string) => void): Promise<void> {
    if (this.closed) return Promise.reject(new UserError(ErrorCode.BAD_STATE, "room is closed"));
    if (this.waiting.size >= this.capacity) return Promise.reject(new UserError(ErrorCode.ROOM_FULL, "too many people are waiting"));
    if (signal?.aborted) return Promise.reject(new UserError(ErrorCode.BAD_STATE, "join cancelled"));
    const id = `k${randomBytes(6).toString("hex")}`;
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.waiting.delete(id);
        this.onChange();
      };
      const timer = setTimeout(() => {
        done();
        reject(new UserError(ErrorCode.LOBBY_TIMEOUT, "nobody let you in; try again later"));
      }, this.timeoutMs);
      timer.unref();
      const onAbort = () => {
        done();
        reject(new UserError(ErrorCode.BAD_STATE, "join cancelled"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.set(id, {
        knock: { id, name, since: Date.now() },
        admit: () => {
          done();
          resolve();
        },
        refuse: (error) => {
          done();
          reject(error);
        },
      });
      onKnock?.(id);
      this.onChange();
    });
  }

  /** Lets a knocking person in; false if no such knock. */
  admit(id: string): boolean {
    const w = this.waiting.get(id);
    w?.admit();
    return w !== undefined;
  }

  /** Turns a knocking person away; false if no such knock. */
  deny(id: string): boolean {
    const w = this.waiting.get(id);
    w?.refuse(new UserError(ErrorCode.LOBBY_DENIED, "a moderator did not let you in"));
    return w !== undefined;
  }

  /** Lets everyone in (the lobby was switched off). */
  admitAll(): void {
    for (const w of [...this.waiting.values()]) w.admit();
  }

  /** Refuses everyone still waiting; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.waiting.values()]) w.refuse(new UserError(ErrorCode.BAD_STATE, "the meeting ended"));
  }
}
