import { z } from "zod";
import {
  ChatEntry,
  Id,
  IceCandidate,
  IceServer,
  ParticipantInfo,
  PeerRole,
  ReactionEmoji,
  SessionDescription,
  TrackInfo,
  TrackSource,
} from "./common.js";
import { ErrorCode } from "./errors.js";
import { Knock, ModeratedEvent, RoomPolicyInfo } from "./access.js";

/** Answer to `hello`. */
export const WelcomeMessage = z.object({
  type: z.literal("welcome"),
  protocolVersion: z.number().int().positive(),
  serverVersion: z.string(),
});

/** Answer to `join`: who you are and who is already there. */
export const JoinedMessage = z.object({
  type: z.literal("joined"),
  room: z.string(),
  self: ParticipantInfo,
  participants: z.array(ParticipantInfo),
  iceServers: z.array(IceServer),
  /** The room's earlier chat messages, oldest first. */
  chat: z.array(ChatEntry).default([]),
  /** The current active speaker, if anyone is speaking. */
  speaker: Id.nullable().default(null),
  /** The room's policy as everyone sees it. */
  policy: RoomPolicyInfo,
  /**
   * Open mode: the person who created the room gets a moderator token, to come back as
   * moderator with `/<room>?token=…`.
   */
  moderatorToken: z.string().optional(),
  /** Single use: sent in `resume` after a dropped connection to come back as the same participant. */
  resumeToken: z.string().optional(),
  /** This answers a `resume`: the same participant, its media connections kept. */
  resumed: z.boolean().optional(),
});

/** Answer to `leave`. */
export const LeftMessage = z.object({ type: z.literal("left") });

/** The reply to `ping`. */
export const PongMessage = z.object({ type: z.literal("pong") });

export const ParticipantJoinedMessage = z.object({
  type: z.literal("participant.joined"),
  participant: ParticipantInfo,
});

export const ParticipantLeftMessage = z.object({
  type: z.literal("participant.left"),
  participantId: Id,
  reason: z.enum(["left", "disconnected", "kicked"]),
});

export const ParticipantUpdatedMessage = z.object({
  type: z.literal("participant.updated"),
  participant: ParticipantInfo,
});

export const TrackPublishedMessage = z.object({
  type: z.literal("track.published"),
  participantId: Id,
  track: TrackInfo,
});

export const TrackUnpublishedMessage = z.object({
  type: z.literal("track.unpublished"),
  participantId: Id,
  trackId: Id,
});

export const TrackMutedMessage = z.object({
  type: z.literal("track.muted"),
  participantId: Id,
  trackId: Id,
  muted: z.boolean(),
});

/**
 * To a publisher only: its publish cap (a bitrate and a packet rate per participant over all
 * its tracks) paused one of its tracks — the server forwards nothing of it — or, after the
 * cool-down and once what it sends is back within bounds, resumed it. `code` is the error code
 * this is (always `RATE_LIMITED`); `limit` says which cap was exceeded.
 */
export const TrackCappedMessage = z.object({
  type: z.literal("track.capped"),
  trackId: Id,
  source: TrackSource,
  paused: z.boolean(),
  code: z.literal(ErrorCode.RATE_LIMITED),
  limit: z.enum(["bitrate", "packetRate"]),
  /** The caps, over all of the participant's tracks. */
  maxKbps: z.number().int().nonnegative(),
  maxPacketsPerSecond: z.number().int().nonnegative(),
  /** The least time a paused track stays paused, ms. */
  cooldownMs: z.number().int().nonnegative(),
});

/** Maps a media section of the subscriber offer to the remote track it carries. */
export const SubscribedTrack = z.object({
  mid: z.string(),
  participantId: Id,
  trackId: Id,
});
export type SubscribedTrack = z.infer<typeof SubscribedTrack>;

/**
 * A subscriber offer or a publisher answer. A subscriber offer carries `tracks`, the full map
 * of its media sections (sections not listed are inactive).
 */
export const ServerSdpMessage = z.object({
  type: z.literal("sdp"),
  pc: PeerRole,
  description: SessionDescription,
  tracks: z.array(SubscribedTrack).optional(),
});

export const ServerIceMessage = z.object({
  type: z.literal("ice"),
  pc: PeerRole,
  candidate: IceCandidate.nullable(),
});

/** A chat message, sent to everyone in the room including its sender. */
export const ChatBroadcastMessage = z.object({
  type: z.literal("chat"),
  message: ChatEntry,
});

/** Someone sent a reaction (to everyone, the sender included). */
export const ReactionBroadcastMessage = z.object({
  type: z.literal("reaction"),
  participantId: Id,
  emoji: ReactionEmoji,
});

/** The dominant speaker changed (`null`: nobody is speaking). */
export const SpeakerMessage = z.object({
  type: z.literal("speaker"),
  participantId: Id.nullable(),
});

/**
 * Dynacast: which simulcast layers (low to high, as the publisher listed its rids) of the
 * publisher's section `mid` some subscriber needs. The publisher should stop encoding the others
 * (RTCRtpSender.setParameters, `active: false`) until a later `layers` asks for them again.
 */
export const LayersMessage = z.object({
  type: z.literal("layers"),
  mid: z.string().max(32),
  active: z.array(z.boolean()).min(1).max(3),
});

/**
 * Last-N: the remote camera videos the SFU holds back from this client (the server's `LAST_N`
 * most recent speakers and the client's pinned videos flow; screen shares and audio always
 * do). Sent whenever the set changes; an empty list means nothing is held back.
 */
export const LastNMessage = z.object({
  type: z.literal("lastN"),
  withheld: z.array(Id).max(10_000),
});

/** The SFU's complete answer to a `probe` offer; the connection closes by itself after 15 s. */
export const ProbeAnswerMessage = z.object({
  type: z.literal("probe"),
  sdp: z.string(),
});

/** You are waiting in the room's lobby until a moderator admits (`joined`) or denies you (`error`). */
export const LobbyMessage = z.object({
  type: z.literal("lobby"),
  status: z.literal("waiting"),
});

/** To moderators: everyone waiting in the lobby now (sent whenever it changes). */
export const KnocksMessage = z.object({
  type: z.literal("knocks"),
  knocking: z.array(Knock).max(1000),
});

/** The room's policy changed (lock, lobby, password). */
export const PolicyUpdatedMessage = z.object({
  type: z.literal("policy"),
  policy: RoomPolicyInfo,
});

/** A moderator did something to you (muted you, asked you to unmute…). */
export const ModeratedMessage = z.object({
  type: z.literal("moderated"),
  event: ModeratedEvent,
});

/** A moderator removed you; the server closes the connection with `REMOVED` right after. */
export const RemovedMessage = z.object({
  type: z.literal("removed"),
  by: z.string(),
});

/** A moderator ended the meeting; the server closes the connection with `ROOM_ENDED`. */
export const EndedMessage = z.object({
  type: z.literal("ended"),
  by: z.string(),
});

/**
 * The server is shutting down (a restart or an upgrade): it starts no new meeting, meetings in
 * progress go on for at most `closesInMs`, then every connection is closed with
 * `SERVER_SHUTDOWN` (4004), after which clients reconnect by themselves. Sent to every
 * connection when the drain starts, and after `welcome` to connections opened during it.
 */
export const DrainingMessage = z.object({
  type: z.literal("draining"),
  /** Longest time until the server closes this connection, ms. */
  closesInMs: z.number().int().nonnegative(),
});

/**
 * Fresh ICE servers for both media connections, replacing those of `joined`: the TURN
 * credentials in them expire (`TURN_TTL`) while the participant stays. Sent some time before
 * the previous ones expire; the client applies them with `RTCPeerConnection.setConfiguration`,
 * so a later ICE restart or a new TURN allocation presents credentials that are still valid.
 */
export const IceServersMessage = z.object({
  type: z.literal("iceServers"),
  iceServers: z.array(IceServer),
});

/** A typed error. `fatal` means the server closes the connection right after. */
export const ErrorMessage = z.object({
  type: z.literal("error"),
  code: z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  fatal: z.boolean(),
  /** The `type` of the message that caused it, when known. */
  inReplyTo: z.string().optional(),
});

/** Every message the server may send. */
export const ServerMessage = z.discriminatedUnion("type", [
  WelcomeMessage,
  JoinedMessage,
  LeftMessage,
  PongMessage,
  ParticipantJoinedMessage,
  ParticipantLeftMessage,
  ParticipantUpdatedMessage,
  TrackPublishedMessage,
  TrackUnpublishedMessage,
  TrackMutedMessage,
  TrackCappedMessage,
  ServerSdpMessage,
  ServerIceMessage,
  ErrorMessage,
  ChatBroadcastMessage,
  ReactionBroadcastMessage,
  SpeakerMessage,
  LayersMessage,
  LastNMessage,
  ProbeAnswerMessage,
  LobbyMessage,
  KnocksMessage,
  PolicyUpdatedMessage,
  ModeratedMessage,
  RemovedMessage,
  EndedMessage,
  DrainingMessage,
  IceServersMessage,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
export type ServerMessageType = ServerMessage["type"];
/** Narrows a server message by its `type`. */
export type ServerMessageOf<T extends ServerMessageType> = Extract<ServerMessage, { type: T }>;
