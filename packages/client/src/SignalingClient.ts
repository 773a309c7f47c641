import {
  CloseCode,
  PROTOCOL_VERSION,
  SIGNALING_PATH,
  SafeEmitter,
  decodeServerMessage,
  encodeMessage,
  type ClientMessageInput,
  type ServerMessage,
} from "@confab/protocol";
import { ClientError } from "./errors.js";

/** The part of the WebSocket API the client uses (browser `WebSocket` or the `ws` package). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor. */
export type WebSocketFactory = new (url: string) => WebSocketLike;


export type SignalingEvents = {
  /** Every valid message from the server, after the handshake. */
  message: [ServerMessage];
  /** The connection is gone; `error` says why when it was not a normal close. */
  close: [code: number, reason: string, error: ClientError | undefined];
};

const OPEN = 1;

/**
 * How the client notices a connection that went silent (a network that went away: TCP would
 * take minutes). Every `intervalMs` it sends `ping`; when nothing at all came from the server
 * for `timeoutMs`, the connection is taken for lost. 0 turns it off.
 */
export interface Liveness {
  intervalMs: number;
  timeoutMs: number;
}

/** 2 s pings, lost after 6 s of silence: above a busy server's stalls, below a user's patience. */
export const DEFAULT_LIVENESS: Liveness = { intervalMs: 2_000, timeoutMs: 6_000 };

/** Turns an http(s) page origin or base URL into the signaling WebSocket URL. */
export function signalingUrl(base: string): string {
  const url = new URL(SIGNALING_PATH, base);
  url.protocol = url.protocol === "https:" || url.protocol === "wss:" ? "wss:" : "ws:";
  return url.toString();
}

/**
 * One signaling connection: opens the socket, performs the versioned handshake, then validates
 * every server message with the shared protocol schemas before handing it on.
 */
export class SignalingClient {
  readonly events = new SafeEmitter<SignalingEvents>((event, error) =>
    console.error(`confab: a "${event}" listener threw`, error),
  );
  private socket: WebSocketLike | undefined;
  private closed = false;
  /** Rejects the connect() in progress (set while a handshake is under way). */
  private abortConnect: (() => void) | undefined;
  private livenessTimer: ReturnType<typeof setInterval> | undefined;
  /** When the server was last heard from (any message). */
  private lastHeard = 0;
  serverVersion: string | undefined;

  constructor(
    private readonly url: string,
    private readonly WebSocketImpl: WebSocketFactory,
    private readonly clientName = "confab-client/0.1.0",
    private readonly liveness: Liveness = DEFAULT_LIVENESS,
  ) {}

  /** Opens the socket and completes the handshake; rejects with a ClientError on failure. */
  connect(timeoutMs = 10_000): Promise<void> {
    if (this.closed) return Promise.reject(new ClientError("CLOSED", "signaling client is closed", true));
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (error?: ClientError) => {
        if (settled) return;
        settled = true;
        this.abortConnect = undefined;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      // close() before the handshake completed: the connect fails now, not at its timeout.
      this.abortConnect = () => settle(new ClientError("CLOSED", "signaling client was closed while connecting", true));
      const timer = setTimeout(() => {
        settle(new ClientError("CONNECTION_LOST", "the server did not answer in time", true));
        this.close();
      }, timeoutMs);
      let socket: WebSocketLike;
      try {
        socket = new this.WebSocketImpl(this.url);
      } catch (error) {
        settle(new ClientError("CONNECTION_LOST", `cannot open ${this.url}: ${String(error)}`, true));
        return;
      }
      this.socket = socket;
      socket.onopen = () => this.sendRaw({ type: "hello", protocolVersion: PROTOCOL_VERSION, client: this.clientName });
      socket.onerror = () => undefined; // a close event always follows
      socket.onclose = (event) => {
        const error =
          event.code === CloseCode.NORMAL
            ? undefined
            : new ClientError("CONNECTION_LOST", `signaling closed (${event.code}${event.reason ? `: ${event.reason}` : ""})`, true);
        settle(error ?? new ClientError("CONNECTION_LOST", "signaling closed during the handshake", true));
        this.finish(event.code, event.reason, error);
      };
      socket.onmessage = (event) => {
        if (typeof event.data !== "string") return;
        const decoded = decodeServerMessage(event.data);
        if (!decoded.ok) {
          console.warn(`confab: ignoring an invalid server message: ${decoded.message}`);
          return;
        }
        const message = decoded.message;
        this.lastHeard = Date.now();
        if (!settled) {
          if (message.type === "welcome") {
            this.serverVersion = message.serverVersion;
            this.watchLiveness();
            settle();
          } else if (message.type === "error") {
            settle(new ClientError(message.code, message.message, true));
          }
          return;
        }
        if (message.type === "pong") return; // only ever a sign of life
        this.events.emit("message", message);
      };
    });
  }

  /** Sends a message; returns false when the connection is not open. */
  send(message: ClientMessageInput): boolean {
    return this.sendRaw(message);
  }

  /** Closes the connection; idempotent. */
  close(code: number = CloseCode.NORMAL, reason = "client closed"): void {
    if (this.closed) return;
    const socket = this.socket;
    if (socket && socket.readyState <= OPEN) {
      try {
        socket.close(code, reason);
      } catch {
        // Already closing.
      }
    }
    this.finish(code, reason, undefined);
  }

  get isOpen(): boolean {
    return !this.closed && this.socket?.readyState === OPEN;
  }

  /**
   * Pings the server and closes the connection as lost when it has been silent too long. A
   * tick that comes far too late means this side was stalled (a busy or background page):
   * the silence is then ours, and the server gets a fresh chance.
   */
  private watchLiveness(): void {
    const { intervalMs, timeoutMs } = this.liveness;
    if (intervalMs <= 0 || timeoutMs <= 0) return;
    let lastTick = Date.now();
    this.livenessTimer = setInterval(() => {
      const now = Date.now();
      if (now - lastTick > 2 * intervalMs) this.lastHeard = now;
      lastTick = now;
      if (now - this.lastHeard > timeoutMs) {
        const silent = now - this.lastHeard;
        try {
          this.socket?.close(CloseCode.NORMAL, "server unresponsive");
        } catch {
          // Already closing.
        }
        this.finish(CloseCode.TIMEOUT, "no reply", new ClientError("CONNECTION_LOST", `the server has not answered for ${silent} ms`, true));
        return;
      }
      this.sendRaw({ type: "ping" });
    }, intervalMs);
    (this.livenessTimer as { unref?: () => void }).unref?.();
  }

  private sendRaw(message: ClientMessageInput): boolean {
    if (this.closed || !this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(encodeMessage(message));
    return true;
  }

  private finish(code: number, reason: string, error: ClientError | undefined): void {
    if (this.closed && !this.socket) return;
    this.closed = true;
    clearInterval(this.livenessTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = null;
      // Not null: Node's ws reports a handshake aborted by close() as an "error" a tick later,
      // and an error event nobody listens to is thrown as an uncaught exception.
      socket.onerror = () => undefined;
    }
    this.abortConnect?.();
    this.events.emit("close", code, reason, error);
    this.events.removeAllListeners();
  }
}
