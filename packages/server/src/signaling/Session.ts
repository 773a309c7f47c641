import type { Logger } from "pino";
import {
  CloseCode,
  decodeClientMessage,
  encodeMessage,
  ErrorCode,
  MIN_PROTOCOL_VERSION,
  messageForVersion,
  negotiateVersion,
  PROTOCOL_VERSION,
  type ClientMessage,
  type ServerMessage,
} from "@confab/protocol";
import type { PasswordGuard } from "../auth/PasswordGuard.js";
import type { AddressLimits } from "./AddressLimits.js";
import type { ServerConfig } from "../config/config.js";
import { ConfabError, ProtocolError, UserError } from "../errors.js";
import { type Membership, type RoomHost, type RoomMessage, type RoomSink } from "../room/RoomHost.js";
import { ProbePeer } from "../sfu/ProbePeer.js";
import { joinRequest } from "./joinRequest.js";
import { RateLimiter } from "./RateLimiter.js";

/** The transport under a session: a WebSocket in production, anything with these in tests. */
export interface SessionSocket {
  send(data: string): void;
  close(code: number, reason: string): void;
}

type State = "awaiting-hello" | "ready" | "joining" | "joined" | "closed";

/** What a session shares with the others of its server. */
export interface SessionContext {
  rooms: RoomHost;
  config: ServerConfig;
  serverVersion: string;
  /** Limits password attempts per client address and per room. */
  passwords: PasswordGuard;
  /** Limits joins and new rooms per client address. */
  limits: AddressLimits;
  /** Set when the server starts draining: when it will close every connection, ms since the epoch. */
  drainingUntil?: number;
}

/**
 * One signaling connection: handshake, then at most one join, then the participant's
 * messages. Every frame is decoded once here; anything invalid becomes a typed error and
 * never reaches the room.
 */
export class Session {
  private state: State = "awaiting-hello";
  private invalidCount = 0;
  private membership: Membership | undefined;
  /** Settles when a join in progress does; room messages arriving meanwhile wait for it. */
  private joining: Promise<unknown> | undefined;
  private readonly limiter: RateLimiter;
  private readonly chatLimiter: RateLimiter;
  private readonly reactionLimiter: RateLimiter;
  private readonly handshakeTimer: NodeJS.Timeout;
  /** The lobby's connectivity test connection, at most one per session. */
  private probe: ProbePeer | undefined;
  /** Gives up a join waiting in the lobby when the socket closes. */
  private joinAbort: AbortController | undefined;
  /** The join in progress is waiting in the room's lobby. */
  private waitingInLobby = false;
  private readonly rooms: RoomHost;
  private readonly config: ServerConfig;
  /** The protocol version this session speaks (the client's, once `hello` is accepted). */
  private version: number = PROTOCOL_VERSION;

  constructor(
    private readonly socket: SessionSocket,
    private readonly context: SessionContext,
    /** The client's address (behind a trusted proxy, the one it reported). */
    private readonly address: string,
    private log: Logger,
  ) {
    this.rooms = context.rooms;
    this.config = context.config;
    this.limiter = new RateLimiter(this.config.signaling.maxMessagesPerSecond);
    this.chatLimiter = new RateLimiter(this.config.signaling.maxChatPerSecond);
    this.reactionLimiter = new RateLimiter(this.config.signaling.maxReactionsPerSecond);
    this.handshakeTimer = setTimeout(() => {
      if (this.state === "awaiting-hello") {
        this.fail(new ProtocolError(ErrorCode.HANDSHAKE_REQUIRED, "no hello within the handshake timeout", CloseCode.TIMEOUT));
      }
    }, this.config.signaling.handshakeTimeoutMs);
  }

  /** Handles one received frame. Never throws. */
  onFrame(frame: string | Buffer, isBinary: boolean): void {
    if (this.state === "closed") return;
    if (isBinary) {
      this.reject({ code: ErrorCode.BAD_MESSAGE, message: "binary frames are not part of the protocol" });
      return;
    }
    if (!this.limiter.take()) {
      this.reject({ code: ErrorCode.RATE_LIMITED, message: "too many messages; slow down" });
      return;
    }
    const bytes = typeof frame === "string" ? Buffer.byteLength(frame) : frame.length;
    if (bytes > this.config.signaling.maxFrameBytes) {
      this.fail(new ProtocolError(ErrorCode.TOO_BIG, `frame of ${bytes} bytes exceeds ${this.config.signaling.maxFrameBytes}`, CloseCode.TOO_BIG));
      return;
    }
    const text = typeof frame === "string" ? frame : frame.toString("utf8");
    const decoded = decodeClientMessage(text);
    if (!decoded.ok) {
      this.reject({ code: decoded.code, message: decoded.message, inReplyTo: decoded.type });
      return;
    }
    this.dispatch(decoded.message).catch((error: unknown) => this.onHandlerError(error, decoded.message.type));
  }

  /**
   * Tells the client the server is draining (see {@link SessionContext.drainingUntil}); a
   * session still before its handshake is told right after `welcome`.
   */
  announceDraining(): void {
    const until = this.context.drainingUntil;
    if (until === undefined || this.state === "awaiting-hello" || this.state === "closed") return;
    this.send({ type: "draining", closesInMs: Math.max(0, until - Date.now()) });
  }

  /** The socket closed (by the peer, the heartbeat or us): leave the room. Idempotent. */
  onClose(): void {
    const wasJoined = this.state === "joined";
    this.state = "closed";
    clearTimeout(this.handshakeTimer);
    this.probe?.close();
    this.joinAbort?.abort();
    // Not a leave: the participant waits for a resume during the room's grace period.
    if (wasJoined) this.membership?.disconnect();
    this.membership = undefined;
  }

  /** Every message to the client goes through here, as the session's protocol version has it. */
  private send(message: ServerMessage): void {
    if (this.state === "closed") return;
    const sendable = messageForVersion(message, this.version);
    if (!sendable) return;
    try {
      this.socket.send(encodeMessage(sendable));
    } catch (error) {
      this.log.debug({ err: error }, "send failed");
    }
  }

  /** Replies to an invalid frame; before the handshake, or after too many, closes. */
  private reject(e: { code: ErrorCode; message: string; inReplyTo?: string | undefined }): void {
    if (this.state === "awaiting-hello") {
      this.fail(new ProtocolError(ErrorCode.HANDSHAKE_REQUIRED, `expected hello first (${e.message})`, CloseCode.HANDSHAKE_REQUIRED));
      return;
    }
    this.invalidCount++;
    if (this.invalidCount > this.config.signaling.maxInvalidMessages) {
      this.fail(new ProtocolError(e.code, "too many invalid messages", CloseCode.PROTOCOL_ERROR));
      return;
    }
    this.send({ type: "error", code: e.code, message: e.message, fatal: false, ...(e.inReplyTo ? { inReplyTo: e.inReplyTo } : {}) });
  }

  /** Sends a fatal error and closes the socket. */
  private fail(error: ProtocolError): void {
    if (this.state === "closed") return;
    this.send({ type: "error", code: error.code, message: error.message, fatal: true });
    this.log.info({ code: error.code, closeCode: error.closeCode }, "closing session: %s", error.message);
    this.socket.close(error.closeCode, error.code);
    this.onClose();
  }

  private onHandlerError(error: unknown, type: string): void {
    if (error instanceof ProtocolError) return this.fail(error);
    if (error instanceof ConfabError) {
      this.send({ type: "error", code: error.code, message: error.message, fatal: false, inReplyTo: type });
      return;
    }
    this.log.error({ err: error, type }, "handler failed");
    this.send({ type: "error", code: ErrorCode.INTERNAL, message: "internal error", fatal: false, inReplyTo: type });
  }

  private requireJoined(): Membership {
    if (this.state !== "joined" || !this.membership) throw new UserError(ErrorCode.NOT_JOINED, "join a room first");
    return this.membership;
  }

  private async dispatch(message: ClientMessage): Promise<void> {
    if (this.state === "awaiting-hello" && message.type !== "hello") {
      throw new ProtocolError(ErrorCode.HANDSHAKE_REQUIRED, "the first message must be hello", CloseCode.HANDSHAKE_REQUIRED);
    }
    switch (message.type) {
      case "moderate":
      case "policy":
        return this.toRoom(message);
      case "hello":
        return this.onHello(message);
      case "join":
        return this.onJoin(message);
      case "resume":
        return this.onResume(message);
      case "leave":
        return this.onLeave();
      case "ping":
        return this.send({ type: "pong" });
      case "chat":
        if (!this.chatLimiter.take()) throw new UserError(ErrorCode.RATE_LIMITED, "too many chat messages; slow down");
        return this.toRoom(message);
      case "reaction":
        if (!this.reactionLimiter.take()) throw new UserError(ErrorCode.RATE_LIMITED, "too many reactions; slow down");
        return this.toRoom(message);
      case "sdp":
      case "ice":
      case "ice-restart":
      case "mute":
      case "hand":
      case "view":
        return this.toRoom(message);
      case "probe":
        return this.onProbe(message.sdp);
      default: {
        const unreachable: never = message;
        throw new UserError(ErrorCode.UNKNOWN_TYPE, `unhandled ${(unreachable as { type: string }).type}`);
      }
    }
  }

  /**
   * Hands a message to the room, after a join still in progress. Someone waiting in the lobby
   * is not in the room: they get NOT_JOINED, and nothing queues up behind the wait.
   */
  private async toRoom(message: RoomMessage): Promise<void> {
    if (this.state === "joining" && this.waitingInLobby) throw new UserError(ErrorCode.NOT_JOINED, "you are waiting to be let in");
    if (this.state === "joining") await this.joining;
    await this.requireJoined().handle(message);
  }

  private async onProbe(offer: string): Promise<void> {
    this.probe?.close();
    const probe = (this.probe = new ProbePeer(this.config.rtc));
    const answer = await probe.answer(offer);
    if (this.state === "closed" || this.probe !== probe) return probe.close();
    this.send({ type: "probe", sdp: answer });
  }

  private onHello(message: Extract<ClientMessage, { type: "hello" }>): void {
    if (this.state !== "awaiting-hello") throw new UserError(ErrorCode.BAD_STATE, "hello was already received");
    const version = negotiateVersion(message.protocolVersion);
    if (version === undefined) {
      throw new ProtocolError(
        ErrorCode.UNSUPPORTED_VERSION,
        `protocol version ${message.protocolVersion} is not supported (server speaks ${MIN_PROTOCOL_VERSION}–${PROTOCOL_VERSION}); reload the page`,
        CloseCode.UNSUPPORTED_VERSION,
      );
    }
    clearTimeout(this.handshakeTimer);
    this.state = "ready";
    this.version = version;
    this.send({ type: "welcome", protocolVersion: version, serverVersion: this.context.serverVersion });
    this.announceDraining();
  }

  /** Comes back as the participant a resume token names (instead of a join). */
  private onResume(message: Extract<ClientMessage, { type: "resume" }>): Promise<void> {
    if (this.state === "joined" || this.state === "joining") {
      throw new UserError(ErrorCode.ALREADY_JOINED, "this connection is already in a room");
    }
    this.state = "joining";
    const run = (async () => {
      let membership: Membership;
      try {
        membership = await this.rooms.resume(message.room, message.token, this.roomSink());
      } catch (error) {
        if (this.state === "joining") this.state = "ready";
        throw error;
      }
      this.entered(membership);
    })();
    this.joining = run.catch(() => undefined);
    return run;
  }

  /** Where the room's messages for this participant go, and what happens if its room is lost. */
  private roomSink(): RoomSink {
    return {
      send: (m) => this.onRoomMessage(m),
      lost: (reason) => this.fail(new ProtocolError(ErrorCode.INTERNAL, reason, CloseCode.ROOM_LOST)),
    };
  }

  /** A join or resume succeeded: the session is in the room (or leaves at once if it closed). */
  private entered(membership: Membership): void {
    if (this.state !== "joining") {
      // The socket closed while joining: go away at once.
      membership.leave("disconnected");
      return;
    }
    this.membership = membership;
    this.state = "joined";
    this.log = this.log.child({ room: membership.room, participant: membership.participantId });
  }

  private onJoin(message: Extract<ClientMessage, { type: "join" }>): Promise<void> {
    if (this.state === "joined" || this.state === "joining") {
      throw new UserError(ErrorCode.ALREADY_JOINED, "this connection is already in a room");
    }
    this.state = "joining";
    // Everything that waits for this join (room messages, a quick leave) waits for all of it.
    const run = this.join(message);
    this.joining = run.catch(() => undefined);
    return run;
  }

  private async join(message: Extract<ClientMessage, { type: "join" }>): Promise<void> {
    let membership: Membership;
    const abort = (this.joinAbort = new AbortController());
    try {
      if (!this.context.limits.join(this.address)) throw new UserError(ErrorCode.RATE_LIMITED, "too many joins from your address; wait a minute");
      if (!this.rooms.exists(message.room) && !this.context.limits.createRoom(this.address)) {
        throw new UserError(ErrorCode.RATE_LIMITED, "too many new meetings from your address; wait a minute");
      }
      const request = { ...(await joinRequest(message, this.config)), address: this.address };
      if (request.password !== undefined) {
        const verdict = this.context.passwords.check(this.address, request.room);
        if (!verdict.ok) {
          throw new UserError(ErrorCode.RATE_LIMITED, `too many password attempts; try again in ${Math.ceil(verdict.retryAfterMs / 1000)} s`);
        }
      }
      if (this.state !== "joining") return;
      membership = await this.rooms.join(request, this.roomSink(), abort.signal);
    } catch (error) {
      if (this.state === "joining") this.state = "ready";
      throw error;
    } finally {
      this.waitingInLobby = false;
      if (this.joinAbort === abort) this.joinAbort = undefined;
    }
    this.entered(membership);
  }

  /**
   * A message from the room for this participant. Removal and the end of the meeting close
   * the connection with their own codes, so the client knows not to reconnect.
   */
  private onRoomMessage(message: ServerMessage): void {
    this.send(message);
    switch (message.type) {
      case "lobby":
        this.waitingInLobby = true;
        return;
      case "joined":
        this.waitingInLobby = false;
        return;
      case "removed":
        return this.closeAfterRoom(CloseCode.REMOVED, "removed");
      case "ended":
        return this.closeAfterRoom(CloseCode.ROOM_ENDED, "ended");
      default:
        return;
    }
  }

  /** Closes the socket after the room let this participant go (its `leave` is then a no-op). */
  private closeAfterRoom(code: number, reason: string): void {
    if (this.state === "closed") return;
    this.log.info({ reason }, "closing session: %s", reason);
    this.socket.close(code, reason);
    this.onClose();
  }

  /**
   * Leaves the room. A leave sent while the join is still in progress completes once the join
   * does (a leave while waiting in the lobby gives up the wait), so a quick leave is never lost.
   */
  private async onLeave(): Promise<void> {
    if (this.state === "joining") {
      if (this.waitingInLobby) this.joinAbort?.abort();
      await this.joining;
      const after = this.state as State;
      if (after === "closed") return;
      if (after !== "joined") {
        // The join did not happen (refused, or given up): nothing to leave, but the leave holds.
        this.send({ type: "left" });
        this.socket.close(CloseCode.NORMAL, "left");
        this.onClose();
        return;
      }
    }
    const membership = this.requireJoined();
    this.state = "ready";
    this.membership = undefined;
    membership.leave("left");
    this.send({ type: "left" });
    this.socket.close(CloseCode.NORMAL, "left");
    this.onClose();
  }

}
