import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import type { ConfabRoom } from "@confab/client";
import type { ModerationAction } from "@confab/protocol";
import { useI18n } from "../../i18n/context.js";
import { Icon } from "../Icon.js";
import type { ModerationTarget } from "./target.js";

interface Props {
  room: ConfabRoom;
  target: ModerationTarget;
}

/**
 * A moderator's menu for one participant (on their tile and their participants row): mute,
 * ask to unmute, turn off the camera, stop the screen share, remove, make moderator. The list
 * is a popover in the top layer, so a small tile does not clip it. The server checks every
 * action; this menu is shown to moderators only as a convenience.
 */
export function ParticipantMenu({ room, target }: Props) {
  const { t } = useI18n();
  const menuId = useId();
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const [open, setOpen] = useState(false);

  useEffect(() => {
    const list = menu.current;
    if (!list) return;
    // Placed next to its button just before it opens (it is `position: fixed` in the top layer).
    const onBeforeToggle = (event: Event) => {
      if ((event as ToggleEvent).newState !== "open" || !button.current) return;
      const rect = button.current.getBoundingClientRect();
      const below = rect.bottom < window.innerHeight / 2;
      list.style.setProperty("--menu-right", `${Math.max(8, window.innerWidth - rect.right)}px`);
      list.style.setProperty("--menu-top", below ? `${rect.bottom + 4}px` : "auto");
      list.style.setProperty("--menu-bottom", below ? "auto" : `${window.innerHeight - rect.top + 4}px`);
    };
    const onToggle = (event: Event) => {
      const opened = (event as ToggleEvent).newState === "open";
      setOpen(opened);
      if (opened) list.querySelector<HTMLButtonElement>("[role=menuitem]:not(:disabled)")?.focus();
    };
    list.addEventListener("beforetoggle", onBeforeToggle);
    list.addEventListener("toggle", onToggle);
    return () => {
      list.removeEventListener("beforetoggle", onBeforeToggle);
      list.removeEventListener("toggle", onToggle);
    };
  }, []);

  const run = (command: ModerationAction) => {
    room.moderate(command);
    menu.current?.hidePopover();
    button.current?.focus();
  };

  /** Up and Down move between the items, Home and End jump (WAI-ARIA menu pattern). */
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const items = [...(menu.current?.querySelectorAll<HTMLButtonElement>("[role=menuitem]:not(:disabled)") ?? [])];
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    const next = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 }[event.key];
    if (next === undefined || items.length === 0) return;
    event.preventDefault();
    items[(next + items.length) % items.length]?.focus();
  };

  const item = (testId: string, label: string, command: ModerationAction, options: { disabled?: boolean; danger?: boolean } = {}) => (
    <button
      type="button"
      role="menuitem"
      className={`menu__item${options.danger ? " menu__item--danger" : ""}`}
      data-testid={testId}
      disabled={options.disabled}
      onClick={() => run(command)}
    >
      {label}
    </button>
  );

  const label = t("menu.open", { name: target.name });
  return (
    <div className="pmenu" data-testid="participant-menu">
      <button
        ref={button}
        type="button"
        className="icon-button"
        data-testid="participant-menu-button"
        popoverTarget={menuId}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-label={label}
        title={label}
      >
        <Icon name="more" size={18} />
      </button>
      <div ref={menu} id={menuId} popover="auto" role="menu" aria-label={label} className="menu" onKeyDown={onKeyDown}>
        {item("mute-participant", t("menu.mute"), { action: "mute", participantId: target.id, source: "microphone" }, { disabled: !target.micOn })}
        {target.micMuted && item("ask-unmute-participant", t("menu.askUnmute"), { action: "ask-unmute", participantId: target.id, source: "microphone" })}
        {item("stop-video-participant", t("menu.stopVideo"), { action: "mute", participantId: target.id, source: "camera" }, { disabled: !target.cameraOn })}
        {target.sharingScreen && item("stop-screen-participant", t("menu.stopScreen"), { action: "stop-screen", participantId: target.id })}
        {target.role !== "moderator" && item("make-moderator", t("menu.promote"), { action: "promote", participantId: target.id })}
        {item("remove-participant", t("menu.remove"), { action: "remove", participantId: target.id }, { danger: true })}
      </div>
    </div>
  );
}
