import type { ClientError } from "@confab/client";
import type { MessageKey } from "../i18n/en.js";
import type { Translate } from "../i18n/i18n.js";

const KNOWN = new Set(["ROOM_FULL", "INVALID_NAME", "INVALID_ROOM", "CONNECTION_LOST", "SERVER_DRAINING"]);

/** Refusals that get a sentence of their own (what happened and what to do). */
const ACCESS = new Set([
  "AUTH_REQUIRED",
  "TOKEN_INVALID",
  "TOKEN_EXPIRED",
  "TOKEN_NOT_YET_VALID",
  "TOKEN_WRONG_ROOM",
  "PASSWORD_REQUIRED",
  "PASSWORD_WRONG",
  "RATE_LIMITED",
  "ROOM_LOCKED",
  "REMOVED",
  "LOBBY_DENIED",
  "LOBBY_TIMEOUT",
  "FORBIDDEN",
]);

/** A person-readable reason for an SDK error. */
export function errorText(t: Translate, error: ClientError | undefined): string {
  const code = error?.code ?? "INTERNAL";
  return KNOWN.has(code) ? t(`error.${code}` as MessageKey) : t("error.other", { code });
}

/** Whether `code` is an access refusal with its own sentence ({@link joinErrorText}). */
export function isAccessError(code: string): boolean {
  return ACCESS.has(code);
}

/** Why a join failed, as a full sentence for the pre-join screen. */
export function joinErrorText(t: Translate, error: ClientError | undefined): string {
  const code = error?.code ?? "INTERNAL";
  return isAccessError(code) ? t(`access.${code}` as MessageKey) : t("error.join", { reason: errorText(t, error) });
}
