import { useI18n } from "../i18n/context.js";
import type { MessageKey } from "../i18n/en.js";
import { Dialog } from "./Dialog.js";
import { SHORTCUTS } from "./shortcuts.js";

/** Lists the keyboard shortcuts. */
export function HelpDialog({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Dialog title={t("help.title")} closeLabel={t("help.close")} onClose={onClose}>
      <dl className="shortcuts" data-testid="help-dialog">
        {Object.entries(SHORTCUTS).map(([key, action]) => (
          <div key={key} className="shortcuts__row">
            <dt>
              <kbd>{key.toUpperCase()}</kbd>
            </dt>
            <dd>{t(`help.${action}` as MessageKey)}</dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
