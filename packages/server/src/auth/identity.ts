import { z } from "zod";

/** Longest participant identity, in characters. */
export const MAX_IDENTITY_LENGTH = 128;

/**
 * A stable participant identity (a token's `sub`, a policy's moderator list): 1 to
 * {@link MAX_IDENTITY_LENGTH} characters from `[A-Za-z0-9_.@:-]`, so it can be an e-mail
 * address or an external user id, and never carries markup or white space.
 */
export const Identity = z
  .string()
  .min(1)
  .max(MAX_IDENTITY_LENGTH)
  .regex(/^[A-Za-z0-9_.@:-]+$/, "identity must match [A-Za-z0-9_.@:-]{1,128}");
