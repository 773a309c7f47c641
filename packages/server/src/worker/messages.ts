import type { ServerMessage } from "@confab/protocol";
import type { ServerConfig } from "../config/config.js";
import { ConfabError, ProtocolError, UserError } from "../errors.js";
import type { JoinRequest } from "../room/JoinRequest.js";
import type { RoomPolicy } from "../room/policy/RoomPolicy.js";
import type { RoomEvent } from "../room/RoomEvents.js";
import type { HostStats, RoomMessage } from "../room/RoomHost.js";
import { ErrorCode, type CloseCode, type ModerationAction } from "@confab/protocol";

/** What an SFU worker is started with (`workerData`). */
export interface WorkerInit {
  config: ServerConfig;
  index: number;
  /** The operator's pre-configured rooms (`ROOMS_FILE`), loaded once by the main thread. */
  configuredRooms: Map<string, RoomPolicy>;
}

/** Main thread → SFU worker. `call` numbers the requests that get a {@link Reply}. */
export type ToWorker =
  | { t: "join"; call: number; session: number; request: JoinRequest }
  /** The session gave up a join still waiting (in the lobby). */
  | { t: "cancel"; session: number }
  | { t: "resume"; call: number; session: number; room: string; token: string }
  /** The session's socket dropped: its participant waits for a resume (grace period). */
  | { t: "disconnect"; session: number }
  | { t: "message"; call: number; session: number; message: RoomMessage }
  | { t: "leave"; session: number; reason: "left" | "disconnected" }
  | { t: "size"; call: number; room: string }
  /** Test-only (`CONFAB_TEST_FAULTS=1`): the worker throws an uncaught exception. */
  | { t: "crash" }
  /** Start no new room (the server is shutting down). */
  | { t: "drain" }
  /** The worker's meetings (or the one in `room`) as the operator sees them: {@link RoomSnapshot}[]. */
  | { t: "snapshot"; call: number; room?: string }
  /** Store `policy` for `room`'s next meetings. */
  | { t: "configure"; call: number; room: string; policy: RoomPolicy }
  /** A moderator action by the operator (admin API). */
  | { t: "moderate"; call: number; room: string; command: ModerationAction }
  | { t: "close"; call: number };

/** The answer to one request: a value, or an error in wire form. */
export interface Reply {
  t: "reply";
  call: number;
  value?: unknown;
  error?: WireError;
}

/** SFU worker → main thread. */
export type FromWorker =
  | Reply
  /** A signaling message for one session's participant. */
  | { t: "signal"; session: number; message: ServerMessage }
  /** Totals of the worker, sent every second. */
  | { t: "stats"; stats: HostStats }
  /** A participant left `room` for good (the main thread counts who is where). */
  | { t: "left"; room: string }
  /** Something happened in a room (webhooks). */
  | { t: "event"; event: RoomEvent };

/** A {@link ConfabError} (or anything thrown) made structured-cloneable. */
export interface WireError {
  kind: "protocol" | "user" | "internal";
  code: ErrorCode;
  message: string;
  closeCode?: CloseCode;
}

export function toWireError(error: unknown): WireError {
  if (error instanceof ProtocolError) return { kind: "protocol", code: error.code, message: error.message, closeCode: error.closeCode };
  if (error instanceof ConfabError) return { kind: "user", code: error.code, message: error.message };
  return { kind: "internal", code: ErrorCode.INTERNAL, message: error instanceof Error ? error.message : String(error) };
}

/** The error to throw in the main thread for a worker's {@link WireError}. */
export function fromWireError(e: WireError): Error {
  if (e.kind === "protocol") return new ProtocolError(e.code, e.message, e.closeCode);
  if (e.kind === "user") return new UserError(e.code, e.message);
  // Not a ConfabError: the session logs it and answers INTERNAL without details.
  return new Error(`SFU worker: ${e.message}`);
}
