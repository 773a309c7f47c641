import { z } from "zod";
import {
  ChatText,
  DisplayName,
  IceCandidate,
  PeerRole,
  RoomName,
  SessionDescription,
  TrackKind,
  TrackSource,
  ReactionEmoji,
  ViewedTrack,
} from "./common.js";
import { JoinToken, ModerationAction, PolicyChange, RoomPassword } from "./access.js";

/*
 * Every client message is a strict object: a field the protocol does not define (say, a
 * `participantId` naming someone else as the author) makes the message invalid (BAD_MESSAGE),
 * so nothing a client sends can claim to come from another participant.
 */

/** First message on every connection. */
export const HelloMessage = z.strictObject({
  type: z.literal("hello"),
  protocolVersion: z.number().int().positive(),
  /** Free-form client identification for logs, e.g. "confab-web/0.1.0". */
  client: z.string().max(128).optional(),
});

/**
 * Enter a room. Answered with `joined` or an `error`; with the room's lobby on, first with
 * `lobby` (waiting), then `joined` once a moderator admits you, or an `error`
 * (`LOBBY_DENIED`, `LOBBY_TIMEOUT`).
 */
export const JoinMessage = z.strictObject({
  type: z.literal("join"),
  room: RoomName,
  name: DisplayName,
  /** A signed join token (required when the server runs with `AUTH=token`). */
  token: JoinToken.optional(),
  /** The room's password, when it has one. */
  password: RoomPassword.optional(),
});

/**
 * Come back as the same participant after the connection dropped, within the server's grace
 * period (`RESUME_GRACE_MS`, 30 s): `token` is the `resumeToken` of the last `joined`. Instead
 * of `join`; answered with `joined` (`resumed: true`, a fresh `resumeToken`) or
 * `RESUME_FAILED` (join anew).
 */
export const ResumeMessage = z.strictObject({
  type: z.literal("resume"),
  room: RoomName,
  token: z.string().min(16).max(256),
});

/**
 * Liveness check, answered at once with `pong` (any time after the handshake). A browser
 * cannot see the server's WebSocket pings, so the SDK uses this to notice a connection that
 * went silent (a network that went away) before TCP does.
 */
export const PingMessage = z.strictObject({ type: z.literal("ping") });

/**
 * Asks for an ICE restart (RFC 8445 §9) of the subscriber connection, after it failed: the
 * server answers with a subscriber `sdp` offer carrying fresh ICE credentials. (The publisher
 * connection restarts with the client's own offer.)
 */
export const IceRestartMessage = z.strictObject({ type: z.literal("ice-restart") });

/** Leave the room; the server closes the connection after `left`. */
export const LeaveMessage = z.strictObject({ type: z.literal("leave") });

/** Describes one media section of a publisher offer, so the server knows what it carries. */
export const PublishedTrack = z.object({
  mid: z.string().min(1).max(64),
  kind: TrackKind,
  source: TrackSource,
  muted: z.boolean().default(false),
});
export type PublishedTrack = z.infer<typeof PublishedTrack>;

/**
 * An SDP offer (publisher) or answer (subscriber). A publisher offer lists the tracks its
 * media sections carry; sections not listed are rejected.
 */
export const ClientSdpMessage = z.strictObject({
  type: z.literal("sdp"),
  pc: PeerRole,
  description: SessionDescription,
  tracks: z.array(PublishedTrack).max(16).optional(),
});

/** Trickle ICE (RFC 8838); `null` marks the end of candidates. */
export const ClientIceMessage = z.strictObject({
  type: z.literal("ice"),
  pc: PeerRole,
  candidate: IceCandidate.nullable(),
});

/** Mute or unmute one of the sender's own tracks (by source). */
export const MuteMessage = z.strictObject({
  type: z.literal("mute"),
  source: TrackSource,
  muted: z.boolean(),
});

/** Send a chat message to the room; everyone (the sender too) receives it as `chat`. */
export const ChatSendMessage = z.strictObject({
  type: z.literal("chat"),
  text: ChatText,
});

/** Raise or lower one's hand; the room sees it in `participant.updated`. */
export const HandMessage = z.strictObject({
  type: z.literal("hand"),
  raised: z.boolean(),
});

/** Send a short-lived emoji reaction to the room. */
export const ReactionSendMessage = z.strictObject({
  type: z.literal("reaction"),
  emoji: ReactionEmoji,
});

/**
 * Which remote video tracks the client shows, and at what size. The SFU forwards only these
 * (other video is paused; audio always flows). Until the first `view`, all video is forwarded.
 */
export const ViewMessage = z.strictObject({
  type: z.literal("view"),
  tracks: z.array(ViewedTrack).max(256),
});

/**
 * Connectivity self-test (lobby): a complete SDP offer (candidates included, no trickle) for a
 * throw-away connection with one data channel. Allowed before joining; answered by `probe`.
 */
export const ProbeOfferMessage = z.strictObject({
  type: z.literal("probe"),
  sdp: z.string().min(1).max(200_000),
});

/** A moderator action (moderators only; anyone else gets `FORBIDDEN`). */
export const ModerateMessage = z.strictObject({
  type: z.literal("moderate"),
  command: ModerationAction,
});

/** Change the room's policy: lock, lobby, password (moderators only). */
export const PolicyMessage = z.strictObject({
  type: z.literal("policy"),
  change: PolicyChange,
});

/** Every message a client may send. */
export const ClientMessage = z.discriminatedUnion("type", [
  HelloMessage,
  JoinMessage,
  ResumeMessage,
  LeaveMessage,
  PingMessage,
  IceRestartMessage,
  ClientSdpMessage,
  ClientIceMessage,
  MuteMessage,
  ChatSendMessage,
  HandMessage,
  ReactionSendMessage,
  ViewMessage,
  ProbeOfferMessage,
  ModerateMessage,
  PolicyMessage,
]);
export type ClientMessage = z.infer<typeof ClientMessage>;
export type ClientMessageType = ClientMessage["type"];
/** The input shape (before defaults and transforms), i.e. what a client constructs. */
export type ClientMessageInput = z.input<typeof ClientMessage>;
