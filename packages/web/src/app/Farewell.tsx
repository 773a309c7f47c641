import { useEffect, useRef } from "react";
import { useI18n } from "../i18n/context.js";

interface Props {
  /** `left`: by choice; `lost`: disconnected; `removed`: by a moderator; `ended`: for everyone. */
  kind: "left" | "lost" | "removed" | "ended";
  /** Why the connection was lost (`lost`). */
  reason?: string;
  /** Offered after leaving or a lost connection; never after a removal or the end. */
  onRejoin?: () => void;
}

const TITLES = { left: "left.title", lost: "lost.title", removed: "removed.title", ended: "ended.title" } as const;
const TEST_IDS = { left: "left-screen", lost: "lost-screen", removed: "removed-screen", ended: "ended-screen" } as const;

/** The full screen after a meeting: what happened, and where to go now. */
export function Farewell({ kind, reason, onRejoin }: Props) {
  const { t } = useI18n();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [kind]);
  return (
    <main className="page page--center" data-testid={TEST_IDS[kind]}>
      <div className="card">
        <h1 ref={heading} tabIndex={-1}>
          {t(TITLES[kind])}
        </h1>
        {kind === "lost" && <p role="alert">{t("lost.body", { reason: reason ?? "" })}</p>}
        {kind === "removed" && <p role="alert">{t("removed.body")}</p>}
        {kind === "ended" && <p role="alert">{t("ended.body")}</p>}
        <div className="row">
          {onRejoin && (
            <button type="button" className="button button--primary" onClick={onRejoin}>
              {t("left.rejoin")}
            </button>
          )}
          <a className={`button${onRejoin ? "" : " button--primary"}`} href="/">
            {t("left.home")}
          </a>
        </div>
      </div>
    </main>
  );
}
