import type { ConfabRoom } from "@confab/client";
import { useI18n } from "../../i18n/context.js";

/**
 * People waiting in the lobby, as every moderator sees them: one card each with Admit and
 * Deny. It floats over the meeting, so a moderator sees it whichever panel is open.
 */
export function KnockRequests({ room }: { room: ConfabRoom }) {
  const { t } = useI18n();
  const knocks = room.role === "moderator" ? room.knocks : [];
  if (knocks.length === 0) return null;
  return (
    <section className="knocks" aria-label={t("knock.title")} aria-live="polite">
      <h2 className="knocks__title">{t("knock.title")}</h2>
      <ul className="knocks__list">
        {knocks.map((k) => (
          <li key={k.id} className="knocks__item" data-testid="knock-request" data-knock-id={k.id}>
            <span className="knocks__name">{t("knock.asks", { name: k.name })}</span>
            <span className="row">
              <button
                type="button"
                className="button button--primary button--small"
                data-testid="admit"
                aria-label={t("knock.admitLabel", { name: k.name })}
                onClick={() => room.moderate({ action: "admit", knockId: k.id })}
              >
                {t("knock.admit")}
              </button>
              <button
                type="button"
                className="button button--small"
                data-testid="deny"
                aria-label={t("knock.denyLabel", { name: k.name })}
                onClick={() => room.moderate({ action: "deny", knockId: k.id })}
              >
                {t("knock.deny")}
              </button>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
