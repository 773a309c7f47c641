import type { ChatEntry, ModeratedEvent, ReactionEmoji, ServerMessageOf } from "@confab/protocol";
import type { ClientError } from "./errors.js";
import type { WebSocketFactory } from "./SignalingClient.js";

/** How to reach the server and whom to join as. */
export interface ConfabRoomOptions {
  /** The server's http(s) base URL, e.g. `location.origin`. */
  serverUrl: string;
  room: string;
  name: string;
  /** A signed join token (from the link's `?token=`), required on servers with `AUTH=token`. */
  token?: string | undefined;
  /** The room's password, when it has one. */
  password?: string | undefined;
  /** Defaults to the global `WebSocket`. */
  WebSocket?: WebSocketFactory;
  /** Defaults to the global `RTCPeerConnection`. */
  RTCPeerConnection?: typeof RTCPeerConnection;
  /** Sent in the handshake for the server's logs. */
  clientName?: string;
  /** How long to keep trying to reconnect after the connection drops, ms (default 60 s; 0: never). */
  reconnectTimeoutMs?: number;
  /** Publish the camera as three simulcast layers (default true). */
  simulcast?: boolean;
  /**
   * `relay` sends all media through the server's TURN relay, even when a direct path works
   * (for testing a relay, or to hide one's address from the SFU); default `all`: ICE picks the
   * best path, direct UDP first, then ICE-TCP, then the relay over UDP, TCP and TLS.
   */
  iceTransportPolicy?: RTCIceTransportPolicy;
}

/**
 * `waiting`: in the room's lobby until a moderator lets this client in;
 * `reconnecting`: the connection dropped and the SDK is resuming (remote participants and
 * media stay) or, when the server no longer has it, rejoining (they are cleared until it
 * succeeds); `closed` is final.
 */
export type RoomStatus = "new" | "joining" | "waiting" | "joined" | "reconnecting" | "closed";

/** A `track.capped` message: which track, paused or resumed, which cap and its figures. */
export type PublishCapNotice = Omit<ServerMessageOf<"track.capped">, "type">;

export type ConfabRoomEvents = {
  /** Something visible changed: participants, their tracks or media, local mute state, chat. */
  change: [];
  /** A chat message arrived (also one's own, as echoed by the server). */
  chat: [ChatEntry];
  /** Someone (possibly oneself) sent a reaction. */
  reaction: [participantId: string, emoji: ReactionEmoji];
  /** The dominant speaker changed (`null`: nobody is speaking). */
  speaker: [participantId: string | null];
  /** The set of remote camera videos the server holds back (last-N) changed; see `withheld`. */
  lastN: [withheld: ReadonlySet<string>];
  /** A moderator did something to this participant (muted it, asked it to unmute…). */
  moderated: [ModeratedEvent];
  /**
   * The server is shutting down (a restart): the meeting goes on for at most `closesInMs`, then
   * the connection closes and the SDK reconnects by itself (status `reconnecting`).
   */
  draining: [closesInMs: number];
  /**
   * The server paused one of this participant's published tracks (nothing of it reaches the
   * others) because it sends more than the server's publish cap, or resumed it later.
   */
  capped: [notice: PublishCapNotice];
  /** A non-fatal problem (the session continues). */
  error: [ClientError];
  /** The session is over: by `leave()`/`close()` (no error), or because of `error`. */
  closed: [error: ClientError | undefined];
};
