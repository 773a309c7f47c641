import { z } from "zod";
import { PublishRule, type RoomPolicyInfo } from "@confab/protocol";
import { Identity } from "../../auth/identity.js";
import { isPasswordHash } from "../../auth/password.js";

/** Most participants a policy may allow (the server's own limit applies on top). */
export const MAX_POLICY_PARTICIPANTS = 10_000;
/** Most identities a policy may name as moderators. */
export const MAX_POLICY_MODERATORS = 1_000;

/**
 * A room's stored settings: who may get in and who may publish. The password is kept only as
 * a salted scrypt hash ({@link hashPassword}); {@link policyInfo} is what people in the room see.
 */
export interface RoomPolicy {
  /** scrypt hash of the room password, or null when the room has none. */
  passwordHash: string | null;
  /** Newcomers wait in the lobby until a moderator admits them. */
  lobby: boolean;
  /** Nobody new may join (moderators with a moderator token still may, as the caller decides). */
  locked: boolean;
  /** Most people in the room at once. */
  maxParticipants: number;
  /** Who may publish each source, and chat. */
  publish: { camera: PublishRule; microphone: PublishRule; screen: PublishRule; chat: PublishRule };
  /** Identities that are moderators whenever they join, whatever their token says. */
  moderators: string[];
}

/** Runtime schema of {@link RoomPolicy}: every stored or loaded policy passes it. */
export const RoomPolicySchema: z.ZodType<RoomPolicy> = z.strictObject({
  passwordHash: z.string().refine(isPasswordHash, "not a scrypt hash from hashPassword").nullable(),
  lobby: z.boolean(),
  locked: z.boolean(),
  maxParticipants: z.number().int().min(1).max(MAX_POLICY_PARTICIPANTS),
  publish: z.strictObject({ camera: PublishRule, microphone: PublishRule, screen: PublishRule, chat: PublishRule }),
  moderators: z.array(Identity).max(MAX_POLICY_MODERATORS),
});

/** The policy of a room nobody configured: open, no lobby, everyone may publish. */
export function defaultRoomPolicy(maxParticipants: number): RoomPolicy {
  return {
    passwordHash: null,
    lobby: false,
    locked: false,
    maxParticipants,
    publish: { camera: "everyone", microphone: "everyone", screen: "everyone", chat: "everyone" },
    moderators: [],
  };
}

/** A deep copy, so no caller can change a policy another holds. */
export function copyPolicy(policy: RoomPolicy): RoomPolicy {
  return { ...policy, publish: { ...policy.publish }, moderators: [...policy.moderators] };
}

/** The policy as everyone in the room may see it: whether there is a password, never its hash. */
export function policyInfo(policy: RoomPolicy): RoomPolicyInfo {
  return {
    locked: policy.locked,
    lobby: policy.lobby,
    hasPassword: policy.passwordHash !== null,
    maxParticipants: policy.maxParticipants,
    publish: { ...policy.publish },
  };
}
