import type { ConfabRoom } from "@confab/client";
import type { Role } from "@confab/protocol";
import { useI18n } from "../i18n/context.js";
import { roleOf } from "../lib/remoteRoles.js";
import { Avatar } from "./Avatar.js";
import { Icon } from "./Icon.js";
import { HostControls } from "./moderation/HostControls.js";
import { ParticipantMenu } from "./moderation/ParticipantMenu.js";
import { moderationTarget, type ModerationTarget } from "./moderation/target.js";

interface Props {
  room: ConfabRoom;
  roomName: string;
  onClose: () => void;
  notify: (text: string) => void;
}

interface Row {
  id: string;
  /** The person's display name (initials come from it). */
  name: string;
  /** What the row shows: the name, with "(you)" for oneself. */
  label: string;
  role: Role;
  micOff: boolean;
  cameraOff: boolean;
  hand: boolean;
  /** Set for remote people when this client moderates. */
  menu: ModerationTarget | undefined;
}

/**
 * The participants side panel: everyone with role, microphone, camera and hand state; for
 * moderators, the host controls on top and a moderation menu on each other person's row.
 */
export function ParticipantsPanel({ room, roomName, onClose, notify }: Props) {
  const { t } = useI18n();
  const self = room.self;
  const moderator = room.role === "moderator";
  const people: Row[] = [
    ...(self
      ? [{ id: self.id, name: self.name, label: t("room.youName", { name: self.name }), role: room.role, micOff: room.isMuted("microphone"), cameraOff: room.isMuted("camera"), hand: room.handRaised, menu: undefined }]
      : []),
    ...room.participants().map((p) => ({
      id: p.id,
      name: p.name,
      label: p.name,
      role: roleOf(p),
      micOff: room.isRemoteOff(p.id, "microphone"),
      cameraOff: room.isRemoteOff(p.id, "camera"),
      hand: p.handRaised,
      menu: moderator ? moderationTarget(room, p) : undefined,
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
      <div className="panel__scroll">
        <HostControls room={room} roomName={roomName} notify={notify} />
        <ul className="people">
          {people.map((p) => (
            <li key={p.id} className="people__row" data-testid="participant" data-participant-id={p.id} data-role={p.role}>
              <span className="people__avatar">
                <Avatar name={p.name} />
              </span>
              <span className="people__name">
                {p.label}
                {p.role === "moderator" && <span className="people__role">{t("role.moderator")}</span>}
              </span>
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
              {p.menu && <ParticipantMenu room={room} target={p.menu} />}
            </li>
          ))}
        </ul>
      </div>
    </aside>
  );
}
