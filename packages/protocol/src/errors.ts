/**
 * Stable error codes carried by `error` messages. Clients switch on these, never on text.
 *
 * - Protocol errors (the peer broke the protocol): BAD_JSON, BAD_MESSAGE, UNKNOWN_TYPE,
 *   HANDSHAKE_REQUIRED, UNSUPPORTED_VERSION, TOO_BIG.
 * - User errors (shown to the person, session continues): INVALID_ROOM, INVALID_NAME,
 *   ROOM_FULL, ALREADY_JOINED, NOT_JOINED, BAD_STATE, RATE_LIMITED (also the `code` of
 *   `track.capped`: a publisher's media past its bitrate or packet-rate cap).
 * - Access and permission errors (shown to the person, session continues): FORBIDDEN (not
 *   allowed in this room's policy or role), AUTH_REQUIRED (the server needs a token),
 *   TOKEN_INVALID / TOKEN_EXPIRED / TOKEN_NOT_YET_VALID / TOKEN_WRONG_ROOM, PASSWORD_REQUIRED /
 *   PASSWORD_WRONG, ROOM_LOCKED, REMOVED (removed from this meeting), LOBBY_DENIED /
 *   LOBBY_TIMEOUT.
 * - RESUME_FAILED: the participant to resume is gone (grace period over, or unknown token):
 *   join anew.
 * - SERVER_DRAINING: the server is shutting down and starts no new meeting; meetings in
 *   progress go on. Try again in a little while (a restarted server takes the join).
 * - INTERNAL: the server failed; the session continues when it can.
 */
export const ErrorCode = {
  BAD_JSON: "BAD_JSON",
  BAD_MESSAGE: "BAD_MESSAGE",
  UNKNOWN_TYPE: "UNKNOWN_TYPE",
  HANDSHAKE_REQUIRED: "HANDSHAKE_REQUIRED",
  UNSUPPORTED_VERSION: "UNSUPPORTED_VERSION",
  TOO_BIG: "TOO_BIG",
  INVALID_ROOM: "INVALID_ROOM",
  INVALID_NAME: "INVALID_NAME",
  ROOM_FULL: "ROOM_FULL",
  ALREADY_JOINED: "ALREADY_JOINED",
  NOT_JOINED: "NOT_JOINED",
  BAD_STATE: "BAD_STATE",
  RATE_LIMITED: "RATE_LIMITED",
  FORBIDDEN: "FORBIDDEN",
  AUTH_REQUIRED: "AUTH_REQUIRED",
  TOKEN_INVALID: "TOKEN_INVALID",
  TOKEN_EXPIRED: "TOKEN_EXPIRED",
  TOKEN_NOT_YET_VALID: "TOKEN_NOT_YET_VALID",
  TOKEN_WRONG_ROOM: "TOKEN_WRONG_ROOM",
  PASSWORD_REQUIRED: "PASSWORD_REQUIRED",
  PASSWORD_WRONG: "PASSWORD_WRONG",
  ROOM_LOCKED: "ROOM_LOCKED",
  REMOVED: "REMOVED",
  LOBBY_DENIED: "LOBBY_DENIED",
  LOBBY_TIMEOUT: "LOBBY_TIMEOUT",
  RESUME_FAILED: "RESUME_FAILED",
  SERVER_DRAINING: "SERVER_DRAINING",
  INTERNAL: "INTERNAL",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
