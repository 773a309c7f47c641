import { CloseCode } from "@confab/protocol";
import { ClientError } from "./errors.js";

/**
 * Close codes after which reconnecting cannot help (the server refused this client). Any other
 * close reconnects: notably SERVER_SHUTDOWN (4004, the server restarts: the SDK retries until
 * the new one answers, then resumes or joins again) and ROOM_LOST (4005).
 */
const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCode.NORMAL,
  CloseCode.TOO_BIG,
  CloseCode.PROTOCOL_ERROR,
  CloseCode.HANDSHAKE_REQUIRED,
  CloseCode.UNSUPPORTED_VERSION,
  CloseCode.REMOVED,
  CloseCode.ROOM_ENDED,
  CloseCode.REFUSED,
]);

/** Delays between reconnection attempts, ms (the last one repeats). */
export const RECONNECT_DELAYS_MS: readonly number[] = [250, 500, 1000, 2000, 4000];
/**
 * Delays between resume attempts: the server holds the participant only for its grace period
 * (30 s), so a network that comes back is tried soon.
 */
export const RESUME_DELAYS_MS: readonly number[] = [250, 500, 1000, 1000, 2000];
/** How long to keep trying by default, ms. */
export const DEFAULT_RECONNECT_TIMEOUT_MS = 60_000;

/** Whether a signaling connection closed with `code` (and `error`) may be reconnected. */
export function mayReconnect(code: number, error: ClientError | undefined): error is ClientError {
  return error !== undefined && !FINAL_CLOSE_CODES.has(code);
}

/** What the reconnection loop drives. */
export interface ReconnectHooks {
  /** Whether the room is still reconnecting: an attempt that comes back late does nothing otherwise. */
  active(): boolean;
  /** One attempt on a fresh signaling connection: resume as the same participant, or join anew. */
  attempt(): Promise<void>;
  /** Whether the next attempt resumes (shorter delays: the server's grace period is short). */
  resuming(): boolean;
  /** The server no longer has this participant (grace over, or it restarted): the next attempt joins. */
  resumeFailed(): void;
  /** Gives up: the server refused, or the timeout passed. */
  giveUp(error: ClientError): void;
}

/**
 * The reconnection loop: attempts with backoff until one succeeds, the server refuses, or the
 * reconnect timeout passes. The browser's `online` event cuts a backoff short.
 */
export class Reconnector {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Runs the next attempt (while one waits out its backoff). */
  private retry: (() => void) | undefined;
  private closed = false;
  /** The browser says the network is back: an attempt waiting out its backoff goes now. */
  private readonly onOnline = () => {
    if (!this.hooks.active() || !this.timer || !this.retry) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(this.retry, 0);
  };

  constructor(
    private readonly hooks: ReconnectHooks,
    /** How long to keep trying, ms; 0: never reconnect. */
    private readonly timeoutMs = DEFAULT_RECONNECT_TIMEOUT_MS,
  ) {
    globalThis.addEventListener?.("online", this.onOnline);
  }

  /** Whether reconnecting is wanted at all (a timeout of 0 turns it off). */
  get enabled(): boolean {
    return this.timeoutMs > 0;
  }

  /** Starts the loop; `cause` is the error given up with if no attempt gives a better one. */
  start(cause: ClientError): void {
    if (this.closed) return;
    const deadline = Date.now() + this.timeoutMs;
    let attempt = 0;
    const tryOnce = () => {
      this.timer = undefined;
      this.retry = undefined;
      if (!this.hooks.active()) return;
      this.hooks.attempt().catch((error: unknown) => {
        if (!this.hooks.active() || this.closed) return;
        if (error instanceof ClientError && error.code === "RESUME_FAILED") {
          this.hooks.resumeFailed();
          this.timer = setTimeout(tryOnce, 0);
          return;
        }
        // A draining server starts no new meeting here, but the one replacing it will: keep trying.
        const refused = error instanceof ClientError && error.code !== "CONNECTION_LOST" && error.code !== "SERVER_DRAINING";
        if (refused || Date.now() >= deadline) {
          this.hooks.giveUp(error instanceof ClientError ? error : cause);
          return;
        }
        const delays = this.hooks.resuming() ? RESUME_DELAYS_MS : RECONNECT_DELAYS_MS;
        const delay = delays[Math.min(attempt++, delays.length - 1)]!;
        this.retry = tryOnce;
        this.timer = setTimeout(tryOnce, delay);
      });
    };
    this.timer = setTimeout(tryOnce, RECONNECT_DELAYS_MS[0]);
  }

  /** Stops the loop and stops listening to the browser; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.retry = undefined;
    globalThis.removeEventListener?.("online", this.onOnline);
  }
}
