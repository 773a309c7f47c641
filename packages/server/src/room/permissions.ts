import { ErrorCode } from "@confab/protocol";
import { UserError } from "../errors.js";
import type { Grants, PublishRule, RestrictedAction, Role, TrackSource } from "@confab/protocol";

/**
 * Everything a participant can be allowed or refused in a room. Every signaling handler and
 * every SFU decision that depends on who someone is asks {@link may}; nothing else decides.
 */
export type Action =
  | { kind: "publish"; source: TrackSource }
  | { kind: "chat" }
  /** Any moderator action: mute others, remove, admit, lock, end, promote, change the policy. */
  | { kind: "moderate" }
  /** Enter although the room is locked, has a password, or has its lobby on. */
  | { kind: "bypass-access" };

/** The facts about a participant that permissions depend on. */
export interface Actor {
  role: Role;
  grants: Grants;
}

/**
 * Whoever acts on a room: a participant in it, or the operator through the admin API (see
 * `OPERATOR` in moderation.ts). Moderator actions name it to the people they affect.
 */
export interface RoomActor extends Actor {
  readonly name: string;
  readonly identity: string;
}

/** The parts of a room's policy that permissions depend on. */
export interface PermissionPolicy {
  publish: Record<RestrictedAction, PublishRule>;
}

/** The policy rule and grant that govern publishing `source` (screen audio goes with the screen). */
function restrictedActionOf(source: TrackSource): RestrictedAction {
  return source === "screen-audio" ? "screen" : source;
}

/** Whether the room's rule lets this actor do `action` at all. */
function ruleAllows(rule: PublishRule, actor: Actor): boolean {
  return rule === "everyone" || actor.role === "moderator";
}

/**
 * May `actor` do `action` in a room with `policy`? The one answer to that question.
 * - Moderators may moderate and bypass access controls; nobody else may.
 * - Viewers never publish.
 * - Publishing and chat need the participant's own grant (from its token) *and* the room's
 *   rule (`everyone`, or `moderators` only).
 */
export function may(actor: Actor, action: Action, policy: PermissionPolicy): boolean {
  switch (action.kind) {
    case "moderate":
    case "bypass-access":
      return actor.role === "moderator";
    case "publish": {
      if (actor.role === "viewer") return false;
      const restricted = restrictedActionOf(action.source);
      return actor.grants[restricted] && ruleAllows(policy.publish[restricted], actor);
    }
    case "chat":
      return actor.grants.chat && ruleAllows(policy.publish.chat, actor);
    default: {
      const unreachable: never = action;
      return unreachable;
    }
  }
}

/** Throws `FORBIDDEN` unless {@link may} allows it; `what` completes "you may not …". */
export function requirePermission(actor: Actor, action: Action, policy: PermissionPolicy, what: string): void {
  if (!may(actor, action, policy)) throw new UserError(ErrorCode.FORBIDDEN, `you may not ${what} in this room`);
}
