import { useEffect, useId, useRef, type ReactNode } from "react";
import { Icon } from "./Icon.js";

/** A modal dialog on the native `<dialog>`: focus is kept inside, Escape closes it. */
export function Dialog({ title, closeLabel, onClose, children }: { title: string; closeLabel: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleId} onClose={onClose} onCancel={onClose}>
      <header className="panel__header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label={closeLabel} title={closeLabel}>
          <Icon name="close" />
        </button>
      </header>
      {children}
    </dialog>
  );
}
