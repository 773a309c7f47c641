import type { Logger } from "pino";
import {
  CloseCode,
  decodeClientMessage,
  encodeMessage,
  ErrorCode,
  PROTOCOL_VERSION,
  type ClientMessage,
  type ServerMessage,
} from "@confab/protocol";
import type { ServerConfig } from "../config/config.js";
import { ConfabError, ProtocolError, UserError } from "../errors.js";
import { type Membership, type RoomHost, type RoomMessage } from "../room/RoomHost.js";
import { ProbePeer } from "../sfu/ProbePeer.js";
import { RateLimiter } from "./RateLimiter.js";

/** The transport under a session: a WebSocket in production, anything with these in tests. */
export interface SessionSocket {
  send(data: string): void;
  close(code: number, reason: string): void;
}

type State = "awaiting-hello" | "ready" | "joining" | "joined" | "closed";

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

  constructor(
    private readonly socket: SessionSocket,
    private readonly rooms: RoomHost,
    private readonly config: ServerConfig,
    private readonly serverVersion: string,
    private log: Logger,
  ) {
    this.limiter = new RateLimiter(config.signaling.maxMessagesPerSecond);
    this.chatLimiter = new RateLimiter(config.signaling.maxChatPerSecond);
    this.reactionLimiter = new RateLimiter(config.signaling.maxReactionsPerSecond);
    this.handshakeTimer = setTimeout(() => {
      if (this.state === "awaiting-hello") {
        this.fail(new ProtocolError(ErrorCode.HANDSHAKE_REQUIRED, "no hello within the handshake timeout", CloseCode.TIMEOUT));
      }
    }, config.signaling.handshakeTimeoutMs);
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
    const text = typeof frame === "string" ? frame : frame.toString("utf8");
    const decoded = decodeClientMessage(text);
    if (!decoded.ok) {
      this.reject({ code: decoded.code, message: decoded.message, inReplyTo: decoded.type });
      return;
    }
    this.dispatch(decoded.message).catch((error: unknown) => this.onHandlerError(error, decoded.message.type));
  }

  /** The socket closed (by the peer, the heartbeat or us): leave the room. Idempotent. */
  onClose(): void {
    const wasJoined = this.state === "joined";
    this.state = "closed";
    clearTimeout(this.handshakeTimer);
    this.probe?.close();
    if (wasJoined) this.membership?.leave("disconnected");
    this.membership = undefined;
  }

  private send(message: ServerMessage): void {
    if (this.state === "closed") return;
    try {
      this.socket.send(encodeMessage(message));
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
      case "hello":
        return this.onHello(message);
      case "join":
        return this.onJoin(message);
      case "leave":
        return this.onLeave();
      case "chat":
        if (!this.chatLimiter.take()) throw new UserError(ErrorCode.RATE_LIMITED, "too many chat messages; slow down");
        return this.toRoom(message);
      case "reaction":
        if (!this.reactionLimiter.take()) throw new UserError(ErrorCode.RATE_LIMITED, "too many reactions; slow down");
        return this.toRoom(message);
      case "sdp":
      case "ice":
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

  /** Hands a message to the room, after a join still in progress. */
  private async toRoom(message: RoomMessage): Promise<void> {
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
    if (message.protocolVersion !== PROTOCOL_VERSION) {
      throw new ProtocolError(
        ErrorCode.UNSUPPORTED_VERSION,
        `protocol version ${message.protocolVersion} is not supported (server speaks ${PROTOCOL_VERSION})`,
        CloseCode.UNSUPPORTED_VERSION,
      );
    }
    clearTimeout(this.handshakeTimer);
    this.state = "ready";
    this.send({ type: "welcome", protocolVersion: PROTOCOL_VERSION, serverVersion: this.serverVersion });
  }

  private async onJoin(message: Extract<ClientMessage, { type: "join" }>): Promise<void> {
    if (this.state === "joined" || this.state === "joining") {
      throw new UserError(ErrorCode.ALREADY_JOINED, "this connection is already in a room");
    }
    this.state = "joining";
    const joining = this.rooms.join(message.room, message.name, {
      send: (m) => this.send(m),
      lost: (reason) => this.fail(new ProtocolError(ErrorCode.INTERNAL, reason, CloseCode.ROOM_LOST)),
    });
    this.joining = joining.catch(() => undefined);
    let membership: Membership;
    try {
      membership = await joining;
    } catch (error) {
      if (this.state === "joining") this.state = "ready";
      throw error;
    }
    if (this.state !== "joining") {
      // The socket closed while joining: leave at once.
      membership.leave("disconnected");
      return;
    }
    this.membership = membership;
    this.state = "joined";
    this.log = this.log.child({ room: membership.room, participant: membership.participantId });
  }

  private onLeave(): void {
    const membership = this.requireJoined();
    this.state = "ready";
    this.membership = undefined;
    membership.leave("left");
    this.send({ type: "left" });
    this.socket.close(CloseCode.NORMAL, "left");
    this.onClose();
  }
}
