import type { FastifyError, FastifyPluginAsync, FastifyReply } from "fastify";
import type { Logger } from "pino";
import type { z } from "zod";
import { ErrorCode, type ModerationAction } from "@confab/protocol";
import { ConfabError } from "../../errors.js";
import { policyFromEntry } from "../../room/policy/RoomsFile.js";
import { policyInfo, type RoomPolicy } from "../../room/policy/RoomPolicy.js";
import type { RoomHost } from "../../room/RoomHost.js";
import type { ParticipantSnapshot, RoomSnapshot } from "../../room/snapshot.js";
import type { AdminAuth } from "./AdminAuth.js";
import { ADMIN_BODY_LIMIT, CreateRoomBody, MuteBody, ParticipantParams, RoomParams } from "./schemas.js";

export { AdminAuth } from "./AdminAuth.js";

/** What the admin API works on. */
export interface AdminApiOptions {
  /** Where the meetings run (SFU workers or this thread): every verb goes through it. */
  rooms: RoomHost;
  /** Checks credentials; one instance for HTTP and HTTPS, so failures count together. */
  auth: AdminAuth;
  /** The policy of a room nobody configured (what a created room's fields are merged over). */
  defaults: RoomPolicy;
  log: Logger;
}

/** An answer other than success: HTTP status, stable code, text for people. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Every error body: `{ "error": { "code": "…", "message": "…" } }`. */
function errorBody(code: ErrorCode, message: string) {
  return { error: { code, message } };
}

/** Validates one part of a request (params or body); 400 naming the first problem. */
function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  throw new HttpError(400, ErrorCode.BAD_MESSAGE, `invalid ${what}: ${where}${issue?.message ?? "invalid"}`);
}

function noMeeting(room: string): HttpError {
  return new HttpError(404, ErrorCode.BAD_STATE, `no meeting is in progress in room ${room}`);
}

/**
 * The admin API, mounted under `/api/` (see README "Admin API"). Every request is
 * authenticated in `onRequest`, before its body is read: without valid credentials it gets 401
 * (429 past the failure limit) and nothing runs. Bodies are JSON, at most
 * {@link ADMIN_BODY_LIMIT} bytes, validated with zod; errors are `{ error: { code, message } }`.
 * Moderation goes through {@link RoomHost.moderate}, the code path of a moderator's own
 * actions, so a room hosted by an SFU worker and one in this thread behave the same.
 */
export function adminApi(options: AdminApiOptions): FastifyPluginAsync {
  const { rooms, auth, log } = options;

  /** The meeting in `room`, or 404. */
  const meeting = async (room: string): Promise<RoomSnapshot> => {
    const [found] = await rooms.snapshot(room);
    if (!found) throw noMeeting(room);
    return found;
  };
  const participantOf = (room: RoomSnapshot, id: string): ParticipantSnapshot => {
    const p = room.participants.find((x) => x.id === id);
    if (!p) throw new HttpError(404, ErrorCode.BAD_STATE, `no participant ${id} in room ${room.name}`);
    return p;
  };

  return async (api) => {
    api.addHook("onRequest", async (req, reply) => {
      const verdict = await auth.check(req.raw);
      if (verdict.ok) return;
      if (verdict.status === 429) {
        log.warn({ remote: req.ip }, "admin API: too many failed logins from this address");
        reply.header("Retry-After", String(Math.ceil(verdict.retryAfterMs / 1000)));
        return reply.code(429).send(errorBody(ErrorCode.RATE_LIMITED, "too many failed logins from your address; wait a minute"));
      }
      reply.header("WWW-Authenticate", 'Basic realm="confab admin", charset="UTF-8", Bearer realm="confab admin"');
      return reply.code(401).send(errorBody(ErrorCode.AUTH_REQUIRED, "the admin API needs the API key and secret (HTTP Basic: -u KEY:SECRET) or an admin token (Bearer)"));
    });

    api.setErrorHandler(async (error: FastifyError | Error, req, reply: FastifyReply) => {
      if (error instanceof HttpError) return reply.code(error.status).send(errorBody(error.code, error.message));
      if (error instanceof ConfabError) {
        // The room refused (no such participant, meeting just ended, meeting in progress…).
        const status = error.code === ErrorCode.BAD_STATE ? 409 : error.code === ErrorCode.RATE_LIMITED ? 429 : 400;
        return reply.code(status).send(errorBody(error.code, error.message));
      }
      const status = (error as FastifyError).statusCode;
      if (status === 413) return reply.code(413).send(errorBody(ErrorCode.TOO_BIG, `bodies are at most ${ADMIN_BODY_LIMIT} bytes`));
      if (status !== undefined && status >= 400 && status < 500) {
        return reply.code(status).send(errorBody(ErrorCode.BAD_MESSAGE, error.message));
      }
      log.error({ err: error, url: req.url }, "admin API request failed");
      return reply.code(500).send(errorBody(ErrorCode.INTERNAL, "internal error"));
    });

    const limits = { bodyLimit: ADMIN_BODY_LIMIT };

    /** Every meeting in progress: participants, their tracks, ICE path and connection states. */
    api.get("/rooms", async () => ({ rooms: await rooms.snapshot() }));

    api.get("/rooms/:room", async (req) => {
      const { room } = parse(RoomParams, req.params, "room");
      return meeting(room);
    });

    /** Sets a room's settings for its next meetings (the fields of a `ROOMS_FILE` room). */
    api.post("/rooms", limits, async (req, reply) => {
      const body = parse(CreateRoomBody, req.body, "body");
      const policy = await policyFromEntry(body.policy, options.defaults);
      await rooms.configure(body.name, policy);
      log.info({ room: body.name, lobby: policy.lobby, locked: policy.locked, password: policy.passwordHash !== null }, "admin API: room configured");
      return reply.code(201).send({ name: body.name, policy: policyInfo(policy), moderators: policy.moderators });
    });

    /** Ends the meeting for everyone (each is told `ended`); the room's settings stay. */
    api.post("/rooms/:room/end", limits, async (req, reply) => {
      const { room } = parse(RoomParams, req.params, "room");
      await meeting(room);
      await moderate(room, { action: "end" });
      return reply.code(204).send();
    });

    /** Removes a participant; its identity may not rejoin this meeting. */
    api.delete("/rooms/:room/participants/:participant", limits, async (req, reply) => {
      const { room, participant } = parse(ParticipantParams, req.params, "path");
      participantOf(await meeting(room), participant);
      await moderate(room, { action: "remove", participantId: participant });
      return reply.code(204).send();
    });

    /**
     * Mutes one of a participant's tracks (by `source` or `trackId`): a microphone or camera as
     * a moderator's mute (only its owner can unmute), a screen share (and its audio) stopped.
     */
    api.post("/rooms/:room/participants/:participant/mute", limits, async (req, reply) => {
      const { room, participant } = parse(ParticipantParams, req.params, "path");
      const body = parse(MuteBody, req.body, "body");
      const p = participantOf(await meeting(room), participant);
      const track = "source" in body ? p.tracks.find((t) => t.source === body.source) : p.tracks.find((t) => t.id === body.trackId);
      if (!track) throw new HttpError(404, ErrorCode.BAD_STATE, `participant ${participant} publishes no such track`);
      const command: ModerationAction =
        track.source === "microphone" || track.source === "camera"
          ? { action: "mute", participantId: participant, source: track.source }
          : { action: "stop-screen", participantId: participant };
      await moderate(room, command);
      return reply.code(204).send();
    });

    async function moderate(room: string, command: ModerationAction): Promise<void> {
      await rooms.moderate(room, command);
      log.info({ room, command }, "admin API: moderator action");
    }
  };
}
