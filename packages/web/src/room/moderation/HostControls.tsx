import { useId, useState, type FormEvent } from "react";
import type { ConfabRoom } from "@confab/client";
import { MAX_PASSWORD_LENGTH } from "@confab/protocol";
import { useI18n } from "../../i18n/context.js";
import { tokenLink } from "../../lib/joinLink.js";
import { Icon } from "../Icon.js";

interface Props {
  room: ConfabRoom;
  roomName: string;
  notify: (text: string) => void;
}

/** An on/off switch as a toggle button (`aria-pressed`), with a hint under its label. */
function Switch(props: { testId: string; label: string; hint: string; on: boolean; onChange: (on: boolean) => void }) {
  const hintId = useId();
  return (
    <div className="switch-row">
      <button
        type="button"
        className="switch"
        data-testid={props.testId}
        aria-pressed={props.on}
        aria-describedby={hintId}
        onClick={() => props.onChange(!props.on)}
      >
        <span className="switch__track" aria-hidden="true">
          <span className="switch__thumb" />
        </span>
        <span className="switch__label">{props.label}</span>
      </button>
      <span id={hintId} className="switch__hint">
        {props.hint}
      </span>
    </div>
  );
}

/**
 * The room's settings for moderators, at the top of the participants panel: mute everyone,
 * lock, waiting room, password, and the creator's moderator link. The server checks that the
 * sender moderates; others never see this section.
 */
export function HostControls({ room, roomName, notify }: Props) {
  const { t } = useI18n();
  const passwordId = useId();
  const linkId = useId();
  const [password, setPassword] = useState("");
  const policy = room.policy;
  if (room.role !== "moderator" || !policy) return null;

  const setRoomPassword = (event: FormEvent) => {
    event.preventDefault();
    if (password === "" || !room.changePolicy({ password })) return;
    setPassword("");
    notify(t("host.password.done"));
  };
  const link = room.moderatorToken ? tokenLink(location.origin, roomName, room.moderatorToken) : undefined;
  const copyLink = async () => {
    if (!link) return;
    try {
      await navigator.clipboard.writeText(link);
      notify(t("host.moderatorLink.copied"));
    } catch {
      document.getElementById(linkId)?.focus();
    }
  };

  return (
    <section className="host" aria-label={t("host.title")}>
      <h3 className="host__title">
        <Icon name="shield" size={16} /> {t("host.title")}
      </h3>
      <button
        type="button"
        className="button button--small"
        data-testid="mute-all"
        onClick={() => {
          if (room.moderate({ action: "mute-all" })) notify(t("host.mutedAll"));
        }}
      >
        <Icon name="mic-off" size={16} /> {t("host.muteAll")}
      </button>
      <Switch testId="lock-room" label={t("host.lock")} hint={t("host.lock.hint")} on={policy.locked} onChange={(locked) => room.changePolicy({ locked })} />
      <Switch testId="lobby-switch" label={t("host.lobby")} hint={t("host.lobby.hint")} on={policy.lobby} onChange={(lobby) => room.changePolicy({ lobby })} />
      <form className="host__password" onSubmit={setRoomPassword}>
        <label htmlFor={passwordId}>{t("host.password.label")}</label>
        <p className="switch__hint" data-testid="password-state">
          {policy.hasPassword ? t("host.password.on") : t("host.password.off")}
        </p>
        <div className="row">
          <input
            id={passwordId}
            data-testid="room-password"
            value={password}
            maxLength={MAX_PASSWORD_LENGTH}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setPassword(e.target.value)}
          />
          <button type="submit" className="button button--small" data-testid="set-password" disabled={password === ""}>
            {policy.hasPassword ? t("host.password.change") : t("host.password.set")}
          </button>
        </div>
        {policy.hasPassword && (
          <button
            type="button"
            className="button button--small"
            data-testid="clear-password"
            onClick={() => {
              if (room.changePolicy({ password: null })) notify(t("host.password.cleared"));
            }}
          >
            {t("host.password.clear")}
          </button>
        )}
      </form>
      {link && (
        <div className="host__link">
          <label htmlFor={linkId}>{t("host.moderatorLink.label")}</label>
          <div className="row">
            <input id={linkId} data-testid="moderator-link" value={link} readOnly onFocus={(e) => e.target.select()} />
            <button type="button" className="button button--small" onClick={() => void copyLink()}>
              {t("host.moderatorLink.copy")}
            </button>
          </div>
          <p className="switch__hint">{t("host.moderatorLink.hint")}</p>
        </div>
      )}
    </section>
  );
}
