import type { z } from "zod";
import { ClientMessage } from "./client-messages.js";
import { MAX_SIGNAL_FRAME_BYTES } from "./constants.js";
import { ErrorCode } from "./errors.js";
import { ServerMessage } from "./server-messages.js";

/** Result of decoding one frame: a valid message, or a typed reason it is not one. */
export type DecodeResult<T> =
  | { ok: true; message: T }
  | { ok: false; code: ErrorCode; message: string; type?: string; path?: string };

/**
 * Longest reason or field path a decode error carries: it goes back to the sender and into
 * logs, and zod's reasons quote what they refuse (an unknown key of 70 000 characters came back whole).
 */
export const MAX_DECODE_REASON = 200;

function clip(text: string): string {
  return text.length > MAX_DECODE_REASON ? `${text.slice(0, MAX_DECODE_REASON)}…` : text;
}

function decode<T>(schema: z.ZodType<T>, types: ReadonlySet<string>, frame: string): DecodeResult<T> {
  if (frame.length > MAX_SIGNAL_FRAME_BYTES) {
    return { ok: false, code: ErrorCode.TOO_BIG, message: `frame exceeds ${MAX_SIGNAL_FRAME_BYTES} bytes` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(frame);
  } catch {
    return { ok: false, code: ErrorCode.BAD_JSON, message: "frame is not valid JSON" };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, code: ErrorCode.BAD_MESSAGE, message: "message must be a JSON object" };
  }
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== "string") {
    return { ok: false, code: ErrorCode.BAD_MESSAGE, message: "message has no string `type`" };
  }
  if (!types.has(type)) {
    return { ok: false, code: ErrorCode.UNKNOWN_TYPE, message: `unknown message type`, type: type.slice(0, 64) };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = clip(issue && issue.path.length > 0 ? issue.path.join(".") : "message");
    return {
      ok: false,
      code: fieldErrorCode(type, where),
      message: clip(`${where}: ${issue?.message ?? "invalid"}`),
      type,
      path: where,
    };
  }
  return { ok: true, message: parsed.data };
}

/** Invalid room names and display names have codes of their own: the UI explains them. */
function fieldErrorCode(type: string, path: string): ErrorCode {
  if (type === "join" && path === "room") return ErrorCode.INVALID_ROOM;
  if (type === "join" && path === "name") return ErrorCode.INVALID_NAME;
  return ErrorCode.BAD_MESSAGE;
}

const clientTypes = new Set(ClientMessage.options.map((o) => o.shape.type.value));
const serverTypes = new Set(ServerMessage.options.map((o) => o.shape.type.value));

/** Parses one frame sent by a client (server side). Never throws. */
export function decodeClientMessage(frame: string): DecodeResult<ClientMessage> {
  return decode(ClientMessage, clientTypes, frame);
}

/** Parses one frame sent by the server (client side). Never throws. */
export function decodeServerMessage(frame: string): DecodeResult<ServerMessage> {
  return decode(ServerMessage, serverTypes, frame);
}

/** Serializes a message for the wire. */
export function encodeMessage(message: { type: string }): string {
  return JSON.stringify(message);
}
