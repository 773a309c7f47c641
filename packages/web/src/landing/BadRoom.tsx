import { useI18n } from "../i18n/context.js";

/** Shown for a path that cannot be a room name. */
export function BadRoom() {
  const { t } = useI18n();
  return (
    <main className="page page--center">
      <div className="card">
        <h1>{t("badRoom.title")}</h1>
        <p>{t("badRoom.body")}</p>
        <a className="button button--primary" href="/">
          {t("badRoom.home")}
        </a>
      </div>
    </main>
  );
}
