import { ErrorCode, type Role } from "@confab/protocol";
import { checkPassword } from "../auth/PasswordChecks.js";
import { UserError } from "../errors.js";
import type { JoinRequest } from "./JoinRequest.js";
import { may } from "./permissions.js";
import type { RoomPolicy } from "./policy/RoomPolicy.js";

/** What the room tells {@link admission} about itself. */
export interface RoomFacts {
  /** Server mode: in `open` mode whoever starts a meeting in an unconfigured room moderates it. */
  mode: "open" | "token";
  /** Nobody is in the room or waiting to enter it. */
  empty: boolean;
  /** Identities removed from this meeting. */
  removed: ReadonlySet<string>;
  /** People in the room now. */
  size: number;
  /** The server-wide cap on a room's size. */
  serverMaxParticipants: number;
}

/** The outcome of the checks a join passes before it may enter or knock. */
export interface Admission {
  role: Role;
  /** The person started this meeting in open mode (they get a moderator link). */
  creator: boolean;
  /** The person must wait in the lobby for a moderator. */
  mustKnock: boolean;
}

/**
 * A policy nobody has touched: in open mode, whoever joins such a room when it is empty starts
 * the meeting and moderates it, as on Jitsi and Whereby. A room with a password, a lock, a
 * lobby or named moderators belongs to someone: its roles come from tokens and the policy.
 */
function unclaimed(policy: RoomPolicy): boolean {
  return policy.passwordHash === null && !policy.locked && !policy.lobby && policy.moderators.length === 0;
}

/**
 * Decides whether `request` may enter a room with `policy`, and with which role. Throws the
 * typed error the person sees: REMOVED, ROOM_LOCKED, PASSWORD_REQUIRED, PASSWORD_WRONG,
 * ROOM_FULL. Moderators (by token, by the policy's list, or as the meeting's creator) pass
 * the lock, the password and the lobby.
 */
export async function admission(request: JoinRequest, policy: RoomPolicy, room: RoomFacts): Promise<Admission> {
  if (room.removed.has(request.identity)) throw new UserError(ErrorCode.REMOVED, "a moderator removed you from this meeting");
  const creator = room.mode === "open" && room.empty && unclaimed(policy);
  let role: Role = request.role;
  if (creator || policy.moderators.includes(request.identity)) role = "moderator";
  const privileged = may({ role, grants: request.grants }, { kind: "bypass-access" }, policy);
  if (!privileged) {
    if (policy.locked) throw new UserError(ErrorCode.ROOM_LOCKED, "this meeting is locked");
    if (policy.passwordHash !== null) {
      if (request.password === undefined) throw new UserError(ErrorCode.PASSWORD_REQUIRED, "this meeting needs a password");
      if (!(await checkPassword(request.password, policy.passwordHash))) throw new UserError(ErrorCode.PASSWORD_WRONG, "wrong password");
    }
  }
  const max = Math.min(policy.maxParticipants, room.serverMaxParticipants);
  if (room.size >= max) throw new UserError(ErrorCode.ROOM_FULL, `room is full (${max})`);
  return { role, creator, mustKnock: policy.lobby && !privileged };
}
