import fs from "node:fs/promises";
import { z } from "zod";
import { PublishRule, ROOM_NAME_PATTERN, RoomPassword } from "@confab/protocol";
import { Identity } from "../../auth/identity.js";
import { hashPassword, isPasswordHash } from "../../auth/password.js";
import { defaultConfig } from "../../config/config.js";
import { ConfigError } from "../../config/env.js";
import {
  defaultRoomPolicy,
  MAX_POLICY_MODERATORS,
  MAX_POLICY_PARTICIPANTS,
  type RoomPolicy,
} from "./RoomPolicy.js";

/**
 * One room's settings as an operator writes them (in the rooms file, or to the admin API).
 * Every field is optional and merged over the server's default policy ({@link policyFromEntry});
 * unknown fields are refused so a typo (`"lobbby"`) is not silently ignored.
 */
export const RoomEntry = z
  .strictObject({
    /** A clear password, hashed at load and never kept. */
    password: RoomPassword,
    /** Or a hash made by `hashPassword` (keeps the clear password out of the file). */
    passwordHash: z.string().refine(isPasswordHash, "not a scrypt hash (scrypt$14$8$1$<salt>$<hash>)"),
    lobby: z.boolean(),
    locked: z.boolean(),
    maxParticipants: z.number().int().min(1).max(MAX_POLICY_PARTICIPANTS),
    publish: z.strictObject({ camera: PublishRule, microphone: PublishRule, screen: PublishRule, chat: PublishRule }).partial(),
    moderators: z.array(Identity).max(MAX_POLICY_MODERATORS),
  })
  .partial()
  .refine((e) => e.password === undefined || e.passwordHash === undefined, {
    message: "give password or passwordHash, not both",
    path: ["password"],
  });

export type RoomEntry = z.infer<typeof RoomEntry>;

/** The policy an operator's entry describes: its fields over `defaults`, a clear password hashed. */
export async function policyFromEntry(entry: RoomEntry, defaults: RoomPolicy): Promise<RoomPolicy> {
  const { password, passwordHash, publish, moderators, ...flags } = entry;
  return {
    ...defaults,
    ...flags,
    passwordHash: password !== undefined ? await hashPassword(password) : (passwordHash ?? defaults.passwordHash),
    publish: { ...defaults.publish, ...publish },
    moderators: [...(moderators ?? defaults.moderators)],
  };
}

const RoomsFileSchema = z.record(
  z.string().regex(ROOM_NAME_PATTERN, "room name must match [A-Za-z0-9_-]{1,64}"),
  RoomEntry,
);

function describe(file: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const [room, ...field] = issue.path.map(String);
      const where = room === undefined ? "" : `room "${room}"` + (field.length ? `, field ${field.join(".")}` : "");
      return `${file}: ${where || "top level"}: ${issue.message}`;
    })
    .join("\n");
}

/**
 * Reads the operator's rooms file: a JSON object from room name to policy fields, e.g.
 * `{ "standup": { "password": "s3cret", "lobby": true, "publish": { "screen": "moderators" },
 * "moderators": ["ann"] } }`. Each room's fields are merged over `defaults` (default: the
 * server's default policy); clear passwords are hashed here. Throws {@link ConfigError}
 * naming the room and field for anything invalid, or when the file cannot be read.
 */
export async function loadRoomsFile(
  file: string,
  defaults: RoomPolicy = defaultRoomPolicy(defaultConfig.rooms.maxParticipants),
): Promise<Map<string, RoomPolicy>> {
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(file, "utf8"));
  } catch (e) {
    throw new ConfigError(`cannot read rooms file ${file}: ${(e as Error).message}`);
  }
  const parsed = RoomsFileSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(describe(file, parsed.error));
  const rooms = new Map<string, RoomPolicy>();
  for (const [room, entry] of Object.entries(parsed.data)) rooms.set(room, await policyFromEntry(entry, defaults));
  return rooms;
}
