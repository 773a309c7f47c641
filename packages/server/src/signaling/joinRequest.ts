import { randomBytes } from "node:crypto";
import { ErrorCode, normalizeDisplayName, type ClientMessage } from "@confab/protocol";
import { verifyJoinToken } from "../auth/tokens.js";
import type { ServerConfig } from "../config/config.js";
import { UserError } from "../errors.js";
import { grantsForRole } from "../auth/tokens.js";
import type { JoinRequest } from "../room/JoinRequest.js";

/**
 * Turns a `join` message into the {@link JoinRequest} the room receives: from its token when it
 * carries one (identity, name, role and grants are the token's), else as an open-mode guest.
 * Throws the token's typed error, or AUTH_REQUIRED when the server needs a token.
 */
export async function joinRequest(message: Extract<ClientMessage, { type: "join" }>, config: ServerConfig): Promise<JoinRequest> {
  const password = message.password !== undefined ? { password: message.password } : {};
  if (message.token !== undefined) {
    const { apiKey, apiSecret } = config.auth;
    const verified = await verifyJoinToken({ apiKey, apiSecret }, message.token, message.room);
    const tokenName = verified.name !== undefined ? normalizeDisplayName(verified.name) : "";
    return {
      room: message.room,
      identity: verified.identity,
      name: tokenName || message.name,
      role: verified.role,
      grants: verified.grants,
      auth: "token",
      ...password,
    };
  }
  if (config.auth.mode === "token") throw new UserError(ErrorCode.AUTH_REQUIRED, "this server admits only people with an invitation link");
  return {
    room: message.room,
    identity: `guest-${randomBytes(8).toString("hex")}`,
    name: message.name,
    role: "participant",
    grants: grantsForRole("participant"),
    auth: "open",
    ...password,
  };
}
