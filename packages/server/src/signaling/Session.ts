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
import type { Participant } from "../room/Participant.js";
import type { Room } from "../room/Room.js";
import type { RoomManager } from "../room/RoomManager.js";
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
  private room?: Room;
  private participant?: Participant;
  private readonly limiter: RateLimiter;
  private readonly chatLimiter: RateLimiter;
  private readonly reactionLimiter: RateLimiter;
  private readonly handshakeTimer: NodeJS.Timeout;
  /** The lobby's connectivity test connection, at most one per session. */
  private probe: ProbePeer | undefined;

  constructor(
    private readonly socket: SessionSocket,
    private readonly rooms: RoomManager,
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
    if (wasJoined && this.room && this.participant) this.room.leave(this.participant, "disconnected");
    this.room = undefined;
    this.participant = undefined;
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

  private requireJoined(): { room: Room; participant: Participant } {
    if (this.state !== "joined" || !this.room || !this.participant) {
      throw new UserError(ErrorCode.NOT_JOINED, "join a room first");
    }
    return { room: this.room, participant: this.participant };
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
      case "sdp":
        return this.onSdp(message);
      case "ice":
        return this.onIce(message);
      case "mute": {
        const { room, participant } = this.requireJoined();
        room.setMuted(participant, message.source, message.muted);
        return;
      }
      case "chat": {
        const { room, participant } = this.requireJoined();
        if (!this.chatLimiter.take()) throw new UserError(ErrorCode.RATE_LIMITED, "too many chat messages; slow down");
        return room.sendChat(participant, message.text);
      }
      case "hand": {
        const { room, participant } = this.requireJoined();
        room.setHand(participant, message.raised);
        return;
      }
      case "reaction": {
        const { room, participant } = this.requireJoined();
        if (!this.reactionLimiter.take()) throw new UserError(ErrorCode.RATE_LIMITED, "too many reactions; slow down");
        room.react(participant, message.emoji);
        return;
      }
      case "view": {
        const { room, participant } = this.requireJoined();
        room.setView(participant, message.tracks);
        return;
      }
      case "probe":
        return this.onProbe(message.sdp);
      default: {
        const unreachable: never = message;
        throw new UserError(ErrorCode.UNKNOWN_TYPE, `unhandled ${(unreachable as { type: string }).type}`);
      }
    }
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
    let joined;
    try {
      joined = await this.rooms.join(message.room, message.name, { send: (m) => this.send(m) });
    } catch (error) {
      if (this.state === "joining") this.state = "ready";
      throw error;
    }
    if (this.state !== "joining") {
      // The socket closed while joining: leave at once.
      joined.room.leave(joined.participant, "disconnected");
      return;
    }
    this.room = joined.room;
    this.participant = joined.participant;
    this.state = "joined";
    this.log = this.log.child({ room: joined.room.name, participant: joined.participant.id });
  }

  private onLeave(): void {
    const { room, participant } = this.requireJoined();
    this.state = "ready";
    this.room = undefined;
    this.participant = undefined;
    room.leave(participant, "left");
    this.send({ type: "left" });
    this.socket.close(CloseCode.NORMAL, "left");
    this.onClose();
  }

  private async onSdp(message: Extract<ClientMessage, { type: "sdp" }>): Promise<void> {
    const { participant } = this.requireJoined();
    const { pc, description } = message;
    if (pc === "publisher") {
      if (description.type !== "offer") throw new UserError(ErrorCode.BAD_MESSAGE, "the publisher connection takes offers");
      await participant.publisher.handleOffer(description.sdp, message.tracks ?? []);
    } else {
      if (description.type !== "answer") throw new UserError(ErrorCode.BAD_MESSAGE, "the subscriber connection takes answers");
      await participant.subscriber.handleAnswer(description.sdp);
    }
  }

  private async onIce(message: Extract<ClientMessage, { type: "ice" }>): Promise<void> {
    const { participant } = this.requireJoined();
    const target = message.pc === "publisher" ? participant.publisher : participant.subscriber;
    try {
      await target.addIceCandidate(message.candidate);
    } catch (error) {
      throw new UserError(ErrorCode.BAD_MESSAGE, `candidate rejected: ${(error as Error).message}`);
    }
  }
}
