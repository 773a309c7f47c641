import { z } from "zod";
import { Id, RoomName, TrackSource } from "@confab/protocol";
import { RoomEntry } from "../../room/policy/RoomsFile.js";

/** Largest request body the admin API reads, bytes (a room's settings fit in well under 1 KiB). */
export const ADMIN_BODY_LIMIT = 16 * 1024;

/** `/api/rooms/:room` */
export const RoomParams = z.strictObject({ room: RoomName });

/** `/api/rooms/:room/participants/:participant` */
export const ParticipantParams = z.strictObject({ room: RoomName, participant: Id });

/**
 * `POST /api/rooms`: a room and its settings, the same fields as a room of `ROOMS_FILE`
 * (all optional, over the server's defaults; a clear `password` is hashed and never kept).
 */
export const CreateRoomBody = z.strictObject({
  name: RoomName,
  policy: RoomEntry.default({}),
});

/** `POST /api/rooms/:room/participants/:participant/mute`: the track, by its source or its id. */
export const MuteBody = z.union([z.strictObject({ source: TrackSource }), z.strictObject({ trackId: Id })]);
