import { z } from "zod";
import { Id, TrackSource } from "./common.js";

/**
 * What a participant is in a room. `moderator`: may moderate (mute, remove, admit, lock, end…);
 * `participant`: publishes and chats as the room's policy allows; `viewer`: watches and listens,
 * publishes nothing.
 */
export const Role = z.enum(["moderator", "participant", "viewer"]);
export type Role = z.infer<typeof Role>;

/** How a join was authorised: a signed token, or the server's open mode (no token). */
export const AuthMethod = z.enum(["token", "open"]);
export type AuthMethod = z.infer<typeof AuthMethod>;

/** Who may do something the room's policy restricts. */
export const PublishRule = z.enum(["everyone", "moderators"]);
export type PublishRule = z.infer<typeof PublishRule>;

/** What the policy can restrict: one rule per media source group, and chat. */
export const RestrictedAction = z.enum(["camera", "microphone", "screen", "chat"]);
export type RestrictedAction = z.infer<typeof RestrictedAction>;

/** A participant's own publish grants (from its token; everything for open-mode joins). */
export const Grants = z.object({
  camera: z.boolean(),
  microphone: z.boolean(),
  screen: z.boolean(),
  chat: z.boolean(),
});
export type Grants = z.infer<typeof Grants>;

/** The room's policy as everyone in it sees it (never the password or its hash). */
export const RoomPolicyInfo = z.object({
  locked: z.boolean(),
  lobby: z.boolean(),
  hasPassword: z.boolean(),
  maxParticipants: z.number().int().positive(),
  publish: z.object({
    camera: PublishRule,
    microphone: PublishRule,
    screen: PublishRule,
    chat: PublishRule,
  }),
});
export type RoomPolicyInfo = z.infer<typeof RoomPolicyInfo>;

/** Longest room password, in characters (bounded before it is hashed). */
export const MAX_PASSWORD_LENGTH = 128;
/** Longest join token, in characters. */
export const MAX_TOKEN_LENGTH = 4096;

export const RoomPassword = z.string().min(1).max(MAX_PASSWORD_LENGTH);
export const JoinToken = z.string().min(1).max(MAX_TOKEN_LENGTH);

/**
 * A moderator action. Every action names its target by participant id (or knock id for
 * `admit`/`deny`); the server checks the sender's role before anything happens.
 */
export const ModerationAction = z.discriminatedUnion("action", [
  /** Mute one participant's microphone or camera: the SFU stops forwarding it at once. */
  z.object({ action: z.literal("mute"), participantId: Id, source: z.enum(["microphone", "camera"]) }),
  /** Mute every other participant's microphone. */
  z.object({ action: z.literal("mute-all") }),
  /** Ask a participant to unmute; they decide (a server never turns a microphone on). */
  z.object({ action: z.literal("ask-unmute"), participantId: Id, source: z.enum(["microphone", "camera"]) }),
  /** Stop a participant's screen share. */
  z.object({ action: z.literal("stop-screen"), participantId: Id }),
  /** Remove a participant; its identity may not rejoin this meeting. */
  z.object({ action: z.literal("remove"), participantId: Id }),
  /** Make a participant a moderator. */
  z.object({ action: z.literal("promote"), participantId: Id }),
  /** Let a knocking person in (lobby). */
  z.object({ action: z.literal("admit"), knockId: Id }),
  /** Turn a knocking person away (lobby). */
  z.object({ action: z.literal("deny"), knockId: Id }),
  /** End the meeting for everyone. */
  z.object({ action: z.literal("end") }),
]);
export type ModerationAction = z.infer<typeof ModerationAction>;
export type ModerationActionName = ModerationAction["action"];

/** A policy change a moderator makes in the meeting; absent fields stay as they are. */
export const PolicyChange = z
  .object({
    locked: z.boolean(),
    lobby: z.boolean(),
    /** A new password, or `null` to clear it. */
    password: RoomPassword.nullable(),
  })
  .partial();
export type PolicyChange = z.infer<typeof PolicyChange>;

/** Someone waiting in the lobby, as moderators see them. */
export const Knock = z.object({
  id: Id,
  name: z.string(),
  /** Server time the knock started, ms since the epoch. */
  since: z.number().int().nonnegative(),
});
export type Knock = z.infer<typeof Knock>;

/** What a moderator did to you (for the toast you see). */
export const ModeratedEvent = z.discriminatedUnion("action", [
  z.object({ action: z.literal("muted"), source: TrackSource, by: z.string() }),
  z.object({ action: z.literal("ask-unmute"), source: TrackSource, by: z.string() }),
  z.object({ action: z.literal("screen-stopped"), by: z.string() }),
  z.object({ action: z.literal("promoted"), by: z.string() }),
]);
export type ModeratedEvent = z.infer<typeof ModeratedEvent>;
