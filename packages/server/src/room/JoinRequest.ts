import type { AuthMethod, Grants, Role } from "@confab/protocol";

/**
 * Everything the room needs to know about someone asking to join, built once by the session
 * (from a verified token, or from the server's open mode) and handed unchanged to the room,
 * across the worker boundary too (it is structured-cloneable).
 */
export interface JoinRequest {
  /** The room's name. */
  room: string;
  /**
   * Who this is: the token's subject, or a random guest identity in open mode. Moderators
   * listed in a room's policy and removals are matched on it.
   */
  identity: string;
  /** Display name (already normalised by the protocol schema or taken from the token). */
  name: string;
  /** The role asked for: the token's, or `participant` in open mode. The room may raise it. */
  role: Role;
  /** What this person may publish at most (the room's policy may restrict further). */
  grants: Grants;
  /** How the join was authorised. */
  auth: AuthMethod;
  /** The client's address (behind `TRUST_PROXY` proxies, the one they saw), for the log. */
  address?: string;
  /** The room password typed in the lobby, if any: checked by the room, never stored. */
  password?: string;
}
