import { randomUUID } from "node:crypto";
import { z } from "zod";
import { Role, TrackInfo } from "@confab/protocol";
import type { RoomEvent } from "../room/RoomEvents.js";

const Participant = z.object({
  /** The participant's id in this meeting (as in the signaling protocol). */
  id: z.string(),
  /** Token subject, or a guest identity in open mode. */
  identity: z.string(),
  name: z.string(),
  role: Role,
  /** ms since the epoch. */
  joinedAt: z.number().int(),
  /** How its media reaches the server: `udp`, `tcp`, `relay`, or `null` before a connection was up. */
  icePath: z.enum(["udp", "tcp", "relay"]).nullable(),
});

const common = {
  /** Unique per event; the same in every retry of it, so a receiver can drop duplicates. */
  id: z.string().uuid(),
  /** When the server saw it happen, ms since the epoch (also guards against replays). */
  createdAt: z.number().int(),
  room: z.object({ name: z.string() }),
};

/**
 * The JSON body of a webhook request: the contract with receivers (README, "Webhooks").
 * One event per request; the names follow LiveKit's where they exist.
 */
export const WebhookBody = z.discriminatedUnion("event", [
  z.object({ event: z.literal("room_started"), ...common }),
  z.object({ event: z.literal("room_ended"), ...common, reason: z.enum(["empty", "ended", "server shutdown", "lost"]) }),
  z.object({ event: z.literal("participant_joined"), ...common, participant: Participant }),
  z.object({
    event: z.literal("participant_left"),
    ...common,
    participant: Participant,
    reason: z.enum(["left", "disconnected", "timeout", "removed", "ended", "server shutdown", "lost"]),
  }),
  z.object({ event: z.literal("track_published"), ...common, participant: Participant, track: TrackInfo }),
  z.object({ event: z.literal("track_unpublished"), ...common, participant: Participant, track: TrackInfo }),
]);
export type WebhookBody = z.infer<typeof WebhookBody>;

/** The body for a room event, stamped now with a fresh id. */
export function webhookBody(event: RoomEvent, createdAt = Date.now()): WebhookBody {
  const { room, ...rest } = event;
  return { ...rest, id: randomUUID(), createdAt, room: { name: room } };
}
