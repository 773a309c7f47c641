/**
 * Version of the signaling protocol: bumped whenever a client of the previous version would
 * miss or misread something (a server message type, error code or close code it does not
 * know, a changed meaning); see docs/protocol.md, "Versions". 3 added `draining`,
 * `iceServers` and `SERVER_DRAINING`.
 */
export const PROTOCOL_VERSION = 3 as const;

/**
 * Oldest protocol version the server still accepts (older clients get UNSUPPORTED_VERSION:
 * reload). Sessions of an older version than {@link PROTOCOL_VERSION} get only what their
 * version defines (`messageForVersion`).
 */
export const MIN_PROTOCOL_VERSION = 2 as const;

/** Room names allowed in URLs and on the wire. */
export const ROOM_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Longest display name, in UTF-16 code units, after trimming. */
export const MAX_DISPLAY_NAME_LENGTH = 64;

/** Largest signaling frame the server accepts, in bytes (SDP with many m-lines fits easily). */
export const MAX_SIGNAL_FRAME_BYTES = 256 * 1024;

/** WebSocket path of the signaling endpoint. */
export const SIGNALING_PATH = "/ws";

/** Longest chat message, in characters (after normalization). */
export const MAX_CHAT_LENGTH = 2000;

/** Chat messages a room keeps for people who join later (the in-memory store's bound). */
export const CHAT_HISTORY_LIMIT = 200;

/** The reactions a participant can send (a fixed set: no free text rides on this path). */
export const REACTION_EMOJI = ["👍", "👏", "😂", "❤️", "🎉", "😮"] as const;

/**
 * WebSocket close codes used by the server (4000–4999 is the private-use range, RFC 6455 §7.4.2).
 */
export const CloseCode = {
  /** Normal leave. */
  NORMAL: 1000,
  /** Frame larger than {@link MAX_SIGNAL_FRAME_BYTES} (RFC 6455 "message too big"). */
  TOO_BIG: 1009,
  /** Repeated protocol violations. */
  PROTOCOL_ERROR: 4000,
  /** A message other than `hello` arrived first. */
  HANDSHAKE_REQUIRED: 4001,
  /** The client speaks a protocol version the server does not. */
  UNSUPPORTED_VERSION: 4002,
  /** No `hello` within the handshake timeout, or heartbeat lost. */
  TIMEOUT: 4003,
  /** The server is shutting down. */
  SERVER_SHUTDOWN: 4004,
  /** The room's SFU worker failed; the client should reconnect (the room is placed again). */
  ROOM_LOST: 4005,
  /** A moderator removed this participant; do not reconnect. */
  REMOVED: 4006,
  /** A moderator ended the meeting; do not reconnect. */
  ROOM_ENDED: 4007,
  /** The join was refused for good (lobby denied or timed out); do not reconnect. */
  REFUSED: 4008,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
