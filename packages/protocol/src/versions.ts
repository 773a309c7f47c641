import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from "./constants.js";
import { ErrorCode } from "./errors.js";
import type { ServerMessage, ServerMessageType } from "./server-messages.js";

/**
 * The server messages and error codes each version added after {@link MIN_PROTOCOL_VERSION}.
 * A session of an older version is never sent them (docs/protocol.md, "Versions"): a message
 * it cannot decode would be dropped, and an error code it cannot decode would leave the
 * request it answers unanswered.
 */
const ADDED_IN: { readonly version: number; readonly messages: readonly ServerMessageType[]; readonly errors: readonly ErrorCode[] }[] = [
  { version: 3, messages: ["draining", "iceServers"], errors: [ErrorCode.SERVER_DRAINING] },
];

/**
 * What an error code added in a later version is sent as to an older session: the older code
 * closest in meaning (the server starts no new room: as if it were at `MAX_ROOMS`).
 */
const OLDER_ERROR: Partial<Record<ErrorCode, ErrorCode>> = {
  [ErrorCode.SERVER_DRAINING]: ErrorCode.ROOM_FULL,
};

/**
 * The version a session speaks, from the client's `hello.protocolVersion` (the newest it
 * speaks): that version when the server speaks it too, otherwise undefined (refused with
 * `UNSUPPORTED_VERSION`). A client newer than the server is refused as well: the server cannot
 * know what that client would need from it.
 */
export function negotiateVersion(clientVersion: number): number | undefined {
  return Number.isInteger(clientVersion) && clientVersion >= MIN_PROTOCOL_VERSION && clientVersion <= PROTOCOL_VERSION ? clientVersion : undefined;
}

/**
 * `message` as a session of `version` may receive it: unchanged, an error with its older code,
 * or undefined when that version has no such message (nothing is sent).
 */
export function messageForVersion(message: ServerMessage, version: number): ServerMessage | undefined {
  for (const added of ADDED_IN) {
    if (version >= added.version) continue;
    if (added.messages.includes(message.type)) return undefined;
    if (message.type === "error" && added.errors.includes(message.code)) {
      return messageForVersion({ ...message, code: OLDER_ERROR[message.code] ?? ErrorCode.INTERNAL }, version);
    }
  }
  return message;
}
