import { z } from "zod";
import { MAX_CHAT_LENGTH, MAX_DISPLAY_NAME_LENGTH, REACTION_EMOJI, ROOM_NAME_PATTERN } from "./constants.js";

/** A room name as it appears in `/<room>`. */
export const RoomName = z.string().regex(ROOM_NAME_PATTERN, "room name must match [A-Za-z0-9_-]{1,64}");

/**
 * A display name. Control characters are removed and white space folded; the result is plain
 * text that every client renders as text, never as HTML.
 */
export const DisplayName = z
  .string()
  .max(MAX_DISPLAY_NAME_LENGTH * 4)
  .transform((s) => normalizeDisplayName(s))
  .pipe(z.string().min(1, "name is empty").max(MAX_DISPLAY_NAME_LENGTH, "name is too long"));

/**
 * Characters that render as nothing or as blank space but are not white space to Unicode:
 * Hangul fillers, the braille blank, Khmer inherent vowels, the Mongolian vowel separator.
 * A name made of them would look empty.
 */
const BLANK_LOOKING = /[\u115F\u1160\u3164\uFFA0\u2800\u17B4\u17B5\u180E]/gu;

/** Something a person can see: a letter, digit, symbol or punctuation mark. */
const VISIBLE = /[\p{L}\p{N}\p{S}\p{P}]/u;

/**
 * Removes control, format and blank-looking characters, folds white space and trims. A name
 * with nothing visible left (only combining marks, say) becomes empty, and so invalid.
 */
export function normalizeDisplayName(raw: string): string {
  const name = raw
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, " ")
    .replace(BLANK_LOOKING, " ")
    .replace(/\s+/gu, " ")
    .trim();
  return VISIBLE.test(name) ? name : "";
}

/** Server-assigned identifier (participants, tracks). */
export const Id = z.string().min(1).max(64).regex(/^[A-Za-z0-9_:-]+$/);

export const TrackKind = z.enum(["audio", "video"]);
export type TrackKind = z.infer<typeof TrackKind>;

/** What a track carries; decides how the interface shows it. */
export const TrackSource = z.enum(["microphone", "camera", "screen", "screen-audio"]);
export type TrackSource = z.infer<typeof TrackSource>;

/** A published track as seen by everyone in the room. */
export const TrackInfo = z.object({
  id: Id,
  kind: TrackKind,
  source: TrackSource,
  muted: z.boolean(),
});
export type TrackInfo = z.infer<typeof TrackInfo>;

/** A participant as seen by everyone in the room. */
export const ParticipantInfo = z.object({
  id: Id,
  name: z.string(),
  joinedAt: z.number().int().nonnegative(),
  tracks: z.array(TrackInfo),
  /** Whether the participant's hand is raised. */
  handRaised: z.boolean().default(false),
  /** The participant's role in the room. */
  role: z.enum(["moderator", "participant", "viewer"]).default("participant"),
  /** Its connection dropped; it may come back (resume) within the server's grace period. */
  reconnecting: z.boolean().default(false),
});
export type ParticipantInfo = z.infer<typeof ParticipantInfo>;

/**
 * Which of a participant's two peer connections a message is about. The client offers on
 * `publisher` (its own media up); the server offers on `subscriber` (everyone else's media down).
 */
export const PeerRole = z.enum(["publisher", "subscriber"]);
export type PeerRole = z.infer<typeof PeerRole>;

export const SessionDescription = z.object({
  type: z.enum(["offer", "answer"]),
  sdp: z.string().min(1).max(200_000),
});
export type SessionDescription = z.infer<typeof SessionDescription>;

/** An ICE candidate (RFC 8839 §5.1 attribute without the `a=` prefix), as RTCIceCandidateInit. */
export const IceCandidate = z.object({
  candidate: z.string().max(1024),
  sdpMid: z.string().max(64).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(1024).nullable().optional(),
  usernameFragment: z.string().max(256).nullable().optional(),
});
export type IceCandidate = z.infer<typeof IceCandidate>;

export const IceServer = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof IceServer>;

/**
 * Chat text: control characters other than line breaks and tabs are removed, runs of blank
 * lines folded, and the result trimmed. Clients render it as text (links made clickable by
 * building elements, never by injecting HTML).
 */
export const ChatText = z
  .string()
  .max(MAX_CHAT_LENGTH * 4)
  .transform((s) => normalizeChatText(s))
  .pipe(z.string().min(1, "message is empty").max(MAX_CHAT_LENGTH, `message is longer than ${MAX_CHAT_LENGTH} characters`));

/** Removes control and format characters except newline and tab, folds blank lines, trims. */
export function normalizeChatText(raw: string): string {
  return raw
    .replace(/\r\n?/g, "\n")
    .replace(/[^\P{Cc}\n\t]|[\p{Cf}\p{Zl}\p{Zp}]/gu, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** One chat message as stored and broadcast. */
export const ChatEntry = z.object({
  id: Id,
  participantId: Id,
  /** The sender's display name when it was sent (they may have left since). */
  name: z.string(),
  text: z.string(),
  /** Server time, ms since the epoch. */
  sentAt: z.number().int().nonnegative(),
});
export type ChatEntry = z.infer<typeof ChatEntry>;

export const ReactionEmoji = z.enum(REACTION_EMOJI);
export type ReactionEmoji = z.infer<typeof ReactionEmoji>;

/** A remote video track the client shows, and at what size (CSS pixels × devicePixelRatio). */
export const ViewedTrack = z.object({
  trackId: Id,
  width: z.number().int().min(0).max(7680),
  height: z.number().int().min(0).max(4320),
  /**
   * The user pinned this video: the SFU forwards it even when last-N (`LAST_N`) would hold it
   * back. Optional, so clients that predate it still validate.
   */
  pinned: z.boolean().optional(),
});
export type ViewedTrack = z.infer<typeof ViewedTrack>;
