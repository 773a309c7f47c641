import { createHmac } from "node:crypto";
import type { IceServer } from "@confab/protocol";
import type { ServerConfig } from "../config/config.js";

/**
 * Ephemeral TURN credentials in the "TURN REST API" scheme coturn implements with
 * `use-auth-secret` / `static-auth-secret` (draft-uberti-behave-turn-rest-00, section 2.2):
 * the username is `<unix expiry>:<user id>` and the password is
 * `base64(HMAC-SHA1(secret, username))`. coturn recomputes the password from the username and
 * refuses it once the expiry has passed, so the server never tells coturn who joined and a
 * leaked credential dies on its own.
 */
export interface TurnCredentials {
  username: string;
  credential: string;
  /** Unix seconds after which coturn refuses them. */
  expiresAt: number;
}

/** Credentials for `userId`, valid until `expiresAt` (unix seconds). */
export function turnCredentials(secret: string, userId: string, expiresAt: number): TurnCredentials {
  const username = `${Math.floor(expiresAt)}:${userId}`;
  const credential = createHmac("sha1", secret).update(username).digest("base64");
  return { username, credential, expiresAt: Math.floor(expiresAt) };
}

/**
 * The TURN entry of a participant's `joined.iceServers`: its own credentials for every
 * configured TURN URL, valid for `TURN_TTL` from `nowMs`. Nothing when TURN is not configured.
 */
export function turnIceServers(turn: ServerConfig["turn"], participantId: string, nowMs: number = Date.now()): IceServer[] {
  if (turn.urls.length === 0 || turn.secret === "") return [];
  const { username, credential } = turnCredentials(turn.secret, participantId, nowMs / 1000 + turn.ttlSeconds);
  return [{ urls: [...turn.urls], username, credential }];
}
