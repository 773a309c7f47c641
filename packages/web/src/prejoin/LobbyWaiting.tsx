import { useEffect, useRef } from "react";
import { useI18n } from "../i18n/context.js";

/**
 * "Waiting to be let in": shown while a moderator decides. The SDK's join resolves when they
 * admit, so the meeting opens without a reload; a denial or timeout returns to the form.
 */
export function LobbyWaiting({ room, onCancel }: { room: string; onCancel: () => void }) {
  const { t } = useI18n();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="prejoin__form card lobby-waiting" data-testid="lobby-waiting" role="status" aria-live="polite">
      <div className="spinner" aria-hidden="true" />
      <h1 ref={heading} tabIndex={-1}>
        {t("lobby.waiting.title")}
      </h1>
      <p>{t("lobby.waiting.body", { room })}</p>
      <button type="button" className="button" onClick={onCancel}>
        {t("prejoin.cancel")}
      </button>
    </section>
  );
}
