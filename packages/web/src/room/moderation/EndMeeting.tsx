import { useState } from "react";
import type { ConfabRoom } from "@confab/client";
import { useI18n } from "../../i18n/context.js";
import { Dialog } from "../Dialog.js";
import { Icon } from "../Icon.js";

/**
 * "End for all" (moderators only): a button in the control bar and a confirmation dialog whose
 * `end-meeting-confirm` button ends the meeting for everyone.
 */
export function EndMeeting({ room }: { room: ConfabRoom }) {
  const { t } = useI18n();
  const [confirming, setConfirming] = useState(false);
  if (room.role !== "moderator") return null;
  return (
    <>
      <button type="button" className="pill pill--outline-danger" data-testid="end-meeting" onClick={() => setConfirming(true)} aria-label={t("end.button")} title={t("end.button")}>
        <Icon name="end" />
        <span className="pill__text">{t("end.button")}</span>
      </button>
      {confirming && (
        <Dialog title={t("end.title")} closeLabel={t("end.cancel")} onClose={() => setConfirming(false)}>
          <div className="dialog__body">
            <p>{t("end.body")}</p>
            <div className="row dialog__actions">
              <button type="button" className="button" onClick={() => setConfirming(false)}>
                {t("end.cancel")}
              </button>
              <button
                type="button"
                className="button button--danger"
                data-testid="end-meeting-confirm"
                onClick={() => {
                  room.moderate({ action: "end" });
                  setConfirming(false);
                }}
              >
                {t("end.confirm")}
              </button>
            </div>
          </div>
        </Dialog>
      )}
    </>
  );
}
