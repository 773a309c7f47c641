import { useState } from "react";
import type { ConfabRoom } from "@confab/client";
import { REACTION_EMOJI } from "@confab/protocol";
import { useI18n } from "../i18n/context.js";
import { Icon, type IconName } from "./Icon.js";
import { MediaToggle } from "./MediaToggle.js";
import { EndMeeting } from "./moderation/EndMeeting.js";
import type { Layout } from "./Stage.js";

interface Props {
  room: ConfabRoom;
  onCamera: () => void;
  sharing: boolean;
  onScreen: () => void;
  panel: "chat" | "participants" | null;
  onPanel: (panel: "chat" | "participants") => void;
  unread: number;
  layout: Layout;
  onLayout: () => void;
  onInvite: () => void;
  onSettings: () => void;
  onHelp: () => void;
  onLeave: () => void;
}

function RoundButton(props: { icon: IconName; label: string; testId?: string; pressed?: boolean; onClick: () => void; badge?: string }) {
  return (
    <button
      type="button"
      className={`round${props.pressed ? " round--active" : ""}`}
      data-testid={props.testId}
      aria-pressed={props.pressed}
      aria-label={props.label}
      title={props.label}
      onClick={props.onClick}
    >
      <Icon name={props.icon} />
      {props.badge && <span className="badge" aria-hidden="true">{props.badge}</span>}
    </button>
  );
}

/**
 * The bottom bar: devices, presenting, hand, reactions, leave (and "end for all" for
 * moderators), panels, layout, invite, settings.
 */
export function Controls(p: Props) {
  const { t } = useI18n();
  const { room } = p;
  const [reacting, setReacting] = useState(false);
  return (
    <nav className="controls" aria-label={t("controls.label")}>
      <div className="controls__group">
        <MediaToggle kind="microphone" testId="toggle-mic" available={room.hasLocal("microphone")} on={!room.isMuted("microphone")} onToggle={() => room.setMuted("microphone", !room.isMuted("microphone"))} />
        <MediaToggle kind="camera" testId="toggle-camera" available={room.hasLocal("camera")} on={!room.isMuted("camera")} onToggle={p.onCamera} />
        <RoundButton icon="screen" testId="toggle-screen" pressed={p.sharing} label={p.sharing ? t("controls.screen.stop") : t("controls.screen.start")} onClick={p.onScreen} />
        <RoundButton icon="hand" testId="raise-hand" pressed={room.handRaised} label={room.handRaised ? t("controls.hand.lower") : t("controls.hand.raise")} onClick={() => room.setHand(!room.handRaised)} />
        <div className="reactions">
          <RoundButton icon="smile" label={t("controls.react")} pressed={reacting} onClick={() => setReacting((v) => !v)} />
          {reacting && (
            <div className="reactions__menu" role="group" aria-label={t("controls.react")}>
              {REACTION_EMOJI.map((emoji) => (
                <button
                  key={emoji}
                  type="button"
                  className="reactions__emoji"
                  aria-label={emoji}
                  onClick={() => {
                    room.sendReaction(emoji);
                    setReacting(false);
                  }}
                >
                  {emoji}
                </button>
              ))}
            </div>
          )}
        </div>
        <button type="button" className="pill pill--danger" data-testid="leave" onClick={p.onLeave} aria-label={t("controls.leave")} title={t("controls.leave")}>
          <Icon name="leave" />
          <span className="pill__text">{t("controls.leave")}</span>
        </button>
        <EndMeeting room={room} />
      </div>
      <div className="controls__group">
        <RoundButton
          icon="chat"
          testId="chat-toggle"
          pressed={p.panel === "chat"}
          label={p.unread > 0 ? `${t("controls.chat")}: ${t("chat.unread", { count: p.unread })}` : t("controls.chat")}
          badge={p.unread > 0 ? String(Math.min(p.unread, 99)) : undefined}
          onClick={() => p.onPanel("chat")}
        />
        <RoundButton icon="people" testId="participants-toggle" pressed={p.panel === "participants"} label={t("controls.participants")} onClick={() => p.onPanel("participants")} />
        <RoundButton icon={p.layout === "grid" ? "speaker" : "grid"} testId="layout-toggle" label={p.layout === "grid" ? t("controls.layout.toSpeaker") : t("controls.layout.toGrid")} onClick={p.onLayout} />
        <RoundButton icon="link" label={t("controls.invite")} onClick={p.onInvite} />
        <RoundButton icon="settings" label={t("controls.settings")} onClick={p.onSettings} />
        <RoundButton icon="help" label={t("controls.help")} onClick={p.onHelp} />
      </div>
    </nav>
  );
}
