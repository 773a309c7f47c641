import type { ConfabRoom } from "@confab/client";
import { useI18n } from "../i18n/context.js";
import { Avatar } from "./Avatar.js";
import { Icon } from "./Icon.js";

/** The participants side panel: everyone with microphone, camera and hand state. */
export function ParticipantsPanel({ room, onClose }: { room: ConfabRoom; onClose: () => void }) {
  const { t } = useI18n();
  const self = room.self;
  const people = [
    ...(self ? [{ id: self.id, name: t("room.youName", { name: self.name }), micOff: room.isMuted("microphone"), cameraOff: room.isMuted("camera"), hand: room.handRaised }] : []),
    ...room.participants().map((p) => ({
      id: p.id,
      name: p.name,
      micOff: room.isRemoteOff(p.id, "microphone"),
      cameraOff: room.isRemoteOff(p.id, "camera"),
      hand: p.handRaised,
    })),
  ];
  // Raised hands first (in the order people joined), as a moderator would want.
  people.sort((a, b) => Number(b.hand) - Number(a.hand));
  return (
    <aside className="panel" aria-label={t("participants.title")}>
      <header className="panel__header">
        <h2>
          {t("participants.title")} <span className="muted">({people.length})</span>
        </h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label={t("participants.close")} title={t("participants.close")}>
          <Icon name="close" />
        </button>
      </header>
      <ul className="people">
        {people.map((p) => (
          <li key={p.id} className="people__row" data-testid="participant" data-participant-id={p.id}>
            <span className="people__avatar">
              <Avatar name={p.name} />
            </span>
            <span className="people__name">{p.name}</span>
            {p.hand && (
              <span role="img" aria-label={t("participants.hand")} title={t("participants.hand")}>
                ✋
              </span>
            )}
            {p.cameraOff && (
              <span className="people__state" role="img" aria-label={t("participants.cameraOff")} title={t("participants.cameraOff")}>
                <Icon name="camera-off" size={18} />
              </span>
            )}
            {p.micOff && (
              <span className="people__state" role="img" aria-label={t("participants.micOff")} title={t("participants.micOff")}>
                <Icon name="mic-off" size={18} />
              </span>
            )}
          </li>
        ))}
      </ul>
    </aside>
  );
}
