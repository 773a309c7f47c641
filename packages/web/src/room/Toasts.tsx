import { useEffect, useRef, useState } from "react";
import type { ConfabRoom } from "@confab/client";
import { useI18n } from "../i18n/context.js";

/** A button on a toast (e.g. "Unmute" when a moderator asks). */
export interface ToastAction {
  label: string;
  run: () => void;
}

/** A notice for the toasts: text, and optionally one action. */
export interface Notice {
  text: string;
  id: number;
  action?: ToastAction | undefined;
}

interface Toast {
  id: number;
  text: string;
  action?: ToastAction | undefined;
}

const TOAST_MS = 4000;
/** A toast with a button stays longer: the person has to read it and decide. */
const ACTION_TOAST_MS = 15_000;

/**
 * Short notices for joins, leaves, raised hands and reactions, announced politely to screen
 * readers. Derived from room changes, so nothing is shown for the people already there.
 */
export function Toasts({ room, notice }: { room: ConfabRoom; notice: Notice | undefined }) {
  const { t } = useI18n();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const seq = useRef(0);
  const known = useRef<Map<string, { name: string; hand: boolean }> | undefined>(undefined);

  const dismiss = (id: number) => setToasts((list) => list.filter((x) => x.id !== id));
  const push = (text: string, action?: ToastAction) => {
    const id = ++seq.current;
    setToasts((list) => [...list.slice(-3), { id, text, action }]);
    setTimeout(() => dismiss(id), action ? ACTION_TOAST_MS : TOAST_MS);
  };

  useEffect(() => {
    if (notice) push(notice.text, notice.action);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [notice]);

  useEffect(() => {
    const snapshot = () => new Map(room.participants().map((p) => [p.id, { name: p.name, hand: p.handRaised }]));
    known.current = snapshot();
    const offChange = room.events.on("change", () => {
      if (room.status !== "joined") return;
      const before = known.current ?? new Map();
      const now = snapshot();
      for (const [id, p] of now) {
        const was = before.get(id);
        if (!was) push(t("toast.joined", { name: p.name }));
        else if (p.hand && !was.hand) push(t("toast.hand", { name: p.name }));
      }
      for (const [id, p] of before) if (!now.has(id)) push(t("toast.left", { name: p.name }));
      known.current = now;
    });
    const offReaction = room.events.on("reaction", (participantId, emoji) => {
      const name = participantId === room.self?.id ? t("chat.you") : (room.participants().find((p) => p.id === participantId)?.name ?? "");
      push(t("reaction.from", { name, emoji }));
    });
    return () => {
      offChange();
      offReaction();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [room, t]);

  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((x) => (
        <div key={x.id} className={`toast${x.action ? " toast--action" : ""}`} data-testid="toast">
          <span className="toast__text">{x.text}</span>
          {x.action && (
            <>
              <button
                type="button"
                className="button button--primary button--small"
                onClick={() => {
                  x.action?.run();
                  dismiss(x.id);
                }}
              >
                {x.action.label}
              </button>
              <button type="button" className="button button--small" onClick={() => dismiss(x.id)}>
                {t("toast.dismiss")}
              </button>
            </>
          )}
        </div>
      ))}
    </div>
  );
}
