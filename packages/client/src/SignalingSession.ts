import type { ClientMessageInput, ServerMessage } from "@confab/protocol";
import { ClientError } from "./errors.js";
import { SignalingClient, type WebSocketFactory } from "./SignalingClient.js";

/** The `join` request, as the room builds it. */
export type JoinRequest = Extract<ClientMessageInput, { type: "join" }>;

/** Where a signaling session reports. */
export interface SignalingSessionHooks {
  /** A message from the current connection (those of a replaced one are dropped). */
  message(message: ServerMessage): void;
  /** The current connection closed (`error` unless this side closed it normally). */
  closed(code: number, error: ClientError | undefined): void;
}

/** How to reach the server. */
export interface SignalingSessionOptions {
  url: string;
  WebSocket: WebSocketFactory;
  /** Sent in the handshake for the server's logs. */
  clientName?: string | undefined;
}

/**
 * The signaling side of one participant's session: the current connection (a reconnection
 * replaces it; each connection keeps itself alive with its heartbeat), the `join` or `resume`
 * in flight, and the single-use resume token of the last `joined`.
 */
export class SignalingSession {
  private client: SignalingClient;
  private pending: { resolve: () => void; reject: (error: ClientError) => void } | undefined;
  /** The token to resume as the same participant after a dropped connection (single use). */
  private resumeToken: string | undefined;
  private closed = false;

  constructor(
    private readonly options: SignalingSessionOptions,
    private readonly hooks: SignalingSessionHooks,
  ) {
    this.client = this.open();
  }

  /** Whether the current connection is open (handshake done). */
  get isOpen(): boolean {
    return this.client.isOpen;
  }

  /** Sends on the current connection; true when the message reached the socket. */
  send(message: ClientMessageInput): boolean {
    return this.client.send(message);
  }

  /** Closes the current connection (ignoring it from now on) and makes a fresh one, not yet connected. */
  reopen(): void {
    if (this.closed) return;
    this.client.close();
    this.client = this.open();
  }

  /** Opens the current connection (handshake); rejects with CONNECTION_LOST when the server cannot be reached. */
  connect(): Promise<void> {
    return this.client.connect();
  }

  /**
   * Sends `join` on the open connection. Resolves once the room has taken the server's `joined`
   * ({@link settle}); rejects with the server's typed error when it refuses (the connection
   * stays open for another try), or when closed.
   */
  join(request: JoinRequest): Promise<void> {
    return this.request(request);
  }

  /**
   * Connects and comes back as the same participant with the last resume token. Rejects with
   * RESUME_FAILED when the server no longer has it.
   */
  async resume(room: string): Promise<void> {
    const token = this.resumeToken;
    if (token === undefined) throw new ClientError("RESUME_FAILED", "no resume token to resume with", true);
    await this.client.connect();
    await this.request({ type: "resume", room, token });
  }

  /** Whether a resume is possible (a `joined` gave a token that has not been given up). */
  get canResume(): boolean {
    return this.resumeToken !== undefined;
  }

  /** Keeps the resume token of a `joined` (single use: each `joined` brings a fresh one). */
  rememberResume(token: string | undefined): void {
    this.resumeToken = token;
  }

  /** Gives up resuming: the next attempt joins anew. */
  forgetResume(): void {
    this.resumeToken = undefined;
  }

  /** The `join` or `resume` in flight succeeded. */
  settle(): void {
    this.pending?.resolve();
    this.pending = undefined;
  }

  /** An `error` reply: rejects the `join` or `resume` in flight; false when it answers nothing in flight. */
  refuse(message: Extract<ServerMessage, { type: "error" }>): boolean {
    if (!this.pending || (message.inReplyTo !== "join" && message.inReplyTo !== "resume")) return false;
    this.pending.reject(new ClientError(message.code, message.message, true));
    this.pending = undefined;
    return true;
  }

  /** Rejects a request in flight with `error` (or CLOSED) and closes the connection; idempotent. */
  close(error?: ClientError): void {
    if (this.closed) return;
    this.closed = true;
    this.pending?.reject(error ?? new ClientError("CLOSED", "the room was closed before joining", true));
    this.pending = undefined;
    this.client.close();
  }

  private request(message: ClientMessageInput): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.client.send(message);
    });
  }

  private open(): SignalingClient {
    const client = new SignalingClient(this.options.url, this.options.WebSocket, this.options.clientName);
    client.events.on("message", (message) => {
      if (client === this.client) this.hooks.message(message);
    });
    client.events.on("close", (code, _reason, error) => {
      if (client === this.client) this.hooks.closed(code, error);
    });
    return client;
  }
}
