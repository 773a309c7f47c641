import { useEffect, useRef } from "react";

/** Keys of the meeting shortcuts (Meet/Jitsi-like single keys). */
export const SHORTCUTS = {
  m: "mic",
  v: "camera",
  d: "screen",
  c: "chat",
  p: "participants",
  r: "hand",
  "?": "help",
} as const;

export type ShortcutAction = (typeof SHORTCUTS)[keyof typeof SHORTCUTS];

/** Whether a key event comes from somewhere the person is typing (never a shortcut then). */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") {
    const type = (target as HTMLInputElement).type;
    return !["button", "checkbox", "radio", "range", "submit", "reset"].includes(type);
  }
  return false;
}

/** Runs `handler` for the meeting shortcuts, ignoring modifier combinations and typing. */
export function useShortcuts(handler: (action: ShortcutAction) => void): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || event.repeat || isTyping(event.target)) return;
      if (document.querySelector("dialog[open]") && event.key !== "?") return;
      const action = SHORTCUTS[event.key.toLowerCase() as keyof typeof SHORTCUTS] ?? (event.key === "?" ? "help" : undefined);
      if (!action) return;
      event.preventDefault();
      latest.current(action);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
