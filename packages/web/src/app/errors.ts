import type { ClientError } from "@confab/client";
import type { MessageKey } from "../i18n/en.js";
import type { Translate } from "../i18n/i18n.js";

const KNOWN = new Set(["ROOM_FULL", "INVALID_NAME", "INVALID_ROOM", "CONNECTION_LOST"]);

/** A person-readable reason for an SDK error. */
export function errorText(t: Translate, error: ClientError | undefined): string {
  const code = error?.code ?? "INTERNAL";
  return KNOWN.has(code) ? t(`error.${code}` as MessageKey) : t("error.other", { code });
}
