import { randomBytes } from "node:crypto";
import type { AuthMethod, Grants, ParticipantInfo, Role, ServerMessage } from "@confab/protocol";
import type { ServerConfig } from "../config/config.js";
import { Publisher } from "../sfu/Publisher.js";
import { Subscriber } from "../sfu/Subscriber.js";
import type { IcePath } from "../sfu/icePath.js";
import { IceServerRenewal } from "./IceServerRenewal.js";
import type { JoinRequest } from "./JoinRequest.js";
import { participantIcePath } from "./ParticipantStats.js";

/** 32 random bytes: guessing one is hopeless, and each is used once. */
function newResumeToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Where a participant's signaling messages go (its WebSocket session). */
export interface SignalSink {
  send(message: ServerMessage): void;
}

/**
 * A person in a room: identity, signaling sink, and the two SFU peer connections. The room
 * wires the events; the participant only owns and closes its resources.
 */
export class Participant {
  readonly publisher: Publisher;
  readonly subscriber: Subscriber;
  /** Its ICE servers (TURN credentials) for `joined`, renewed by `iceServers` before they expire. */
  readonly iceServers: IceServerRenewal;
  readonly joinedAt = Date.now();
  handRaised = false;
  /** Who this is (token subject or guest identity). */
  readonly identity: string;
  readonly name: string;
  /** The participant's role; a moderator may promote it. */
  role: Role;
  readonly grants: Grants;
  readonly auth: AuthMethod;
  /** Its signaling connection dropped: messages are dropped until it resumes or its grace ends. */
  reconnecting = false;
  /** The single-use token that lets it resume after a dropped connection; rotated on use. */
  resumeToken: string;
  private sinkValue: SignalSink | undefined;
  private closed = false;

  constructor(
    readonly id: string,
    request: JoinRequest,
    role: Role,
    sink: SignalSink,
    config: Pick<ServerConfig, "rtc" | "turn">,
    onListenerError: (event: string, error: unknown) => void,
    onMediaError: (error: unknown) => void,
  ) {
    this.identity = request.identity;
    this.name = request.name;
    this.role = role;
    this.grants = request.grants;
    this.auth = request.auth;
    this.sinkValue = sink;
    this.resumeToken = newResumeToken();
    this.iceServers = new IceServerRenewal(config, id, (message) => this.send(message));
    this.publisher = new Publisher(id, config.rtc, onListenerError);
    this.subscriber = new Subscriber(config.rtc, onListenerError, onMediaError);
  }

  /** The path of this participant's media now (see {@link participantIcePath}); `null` while not connected. */
  get icePath(): IcePath | null {
    return participantIcePath(this.publisher.icePath, this.subscriber.icePath);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The wire description of this participant. */
  get info(): ParticipantInfo {
    return {
      id: this.id,
      name: this.name,
      joinedAt: this.joinedAt,
      tracks: this.publisher.tracks.map((t) => t.info),
      handRaised: this.handRaised,
      role: this.role,
      reconnecting: this.reconnecting,
    };
  }

  send(message: ServerMessage): void {
    if (!this.closed) this.sinkValue?.send(message);
  }

  /** Whether `sink` is the connection this participant uses now. */
  hasSink(sink: SignalSink): boolean {
    return this.sinkValue === sink;
  }

  /** The connection dropped: nothing is sent until {@link attach}. */
  detach(): void {
    this.sinkValue = undefined;
    this.reconnecting = true;
  }

  /** A resumed connection takes over; the old token is spent and a new one issued. */
  attach(sink: SignalSink): void {
    this.sinkValue = sink;
    this.reconnecting = false;
    this.resumeToken = newResumeToken();
  }

  /** Closes both peer connections (and so every published track); idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.iceServers.close();
    this.publisher.close();
    this.subscriber.close();
  }
}
