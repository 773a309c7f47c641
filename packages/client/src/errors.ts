import type { ErrorCode } from "@confab/protocol";

/**
 * An error the SDK reports to the application. `code` is the server's stable error code when the
 * server refused something, or one of the SDK's own codes for local failures.
 */
export class ClientError extends Error {
  override readonly name = "ClientError";
  constructor(
    readonly code: ErrorCode | ClientErrorCode,
    message: string,
    /** Whether the session is over because of it. */
    readonly fatal: boolean = false,
  ) {
    super(message);
  }
}

/** Failures detected by the SDK itself. */
export type ClientErrorCode =
  /** The signaling connection could not be opened or was lost. */
  | "CONNECTION_LOST"
  /** The server sent something that is not a valid protocol message. */
  | "BAD_SERVER_MESSAGE"
  /** A peer connection failed to negotiate or connect. */
  | "MEDIA_FAILED"
  /** The method was called on a closed room. */
  | "CLOSED"
  /** A moderator ended the meeting. */
  | "ENDED";
