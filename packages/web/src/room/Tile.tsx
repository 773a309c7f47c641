import { useState } from "react";
import type { ConfabRoom } from "@confab/client";
import { useI18n } from "../i18n/context.js";
import { Avatar } from "./Avatar.js";
import { ConnectionPath } from "./ConnectionPath.js";
import { Icon } from "./Icon.js";
import { ParticipantMenu } from "./moderation/ParticipantMenu.js";
import { moderationTarget } from "./moderation/target.js";
import { QualityBadge } from "./QualityBadge.js";
import type { TileModel } from "./tiles.js";
import { VideoView } from "./VideoView.js";
import { useViewed } from "./ViewReporter.js";

interface Props {
  tile: TileModel;
  room: ConfabRoom;
  pinned: boolean;
  onPin: () => void;
  /** Smaller rendering in the speaker view's filmstrip. */
  compact?: boolean;
}

/**
 * One tile: video (or avatar), name, role, microphone and hand state, pin and full-screen
 * buttons, and for moderators the participant's moderation menu.
 */
export function Tile({ tile, room, pinned, onPin, compact = false }: Props) {
  const { t } = useI18n();
  const [element, setElement] = useState<HTMLElement | null>(null);
  const [showing, setShowing] = useState(false);
  useViewed(tile.local ? undefined : tile.videoTrackId, element, pinned);
  const screen = tile.kind === "screen";
  const remote = room.role === "moderator" && !tile.local && !screen ? room.participants().find((p) => p.id === tile.participantId) : undefined;
  const menu = remote ? moderationTarget(room, remote) : undefined;
  const label = screen ? (tile.local ? t("tile.yourScreen") : t("tile.screenOf", { name: tile.name })) : tile.local ? t("room.youName", { name: tile.name }) : tile.name;
  const fullscreen = () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void element?.requestFullscreen?.().catch(() => undefined);
  };
  return (
    <figure
      ref={setElement}
      className={`tile${screen ? " tile--screen" : ""}${compact ? " tile--compact" : ""}${tile.speaking ? " tile--speaking" : ""}`}
      data-testid={screen ? "screen-tile" : "tile"}
      data-local={tile.local ? "" : undefined}
      data-participant-id={tile.participantId}
      data-role={tile.role}
      data-speaking={tile.speaking ? "" : undefined}
      data-withheld={tile.withheld ? "true" : undefined}
      data-reconnecting={tile.reconnecting ? "" : undefined}
      aria-label={label}
    >
      {/* A withheld video is detached, so it shows the avatar rather than its last frame until it flows again. */}
      <VideoView track={tile.videoOff || tile.withheld ? undefined : tile.video} mirrored={tile.local && !screen} fit={screen ? "contain" : "cover"} onShowing={setShowing} />
      {!screen && (tile.videoOff || tile.withheld || !tile.video || !showing) && <Avatar name={tile.name} />}
      {tile.withheld && !tile.videoOff && (
        <span className="tile__withheld" data-testid="video-withheld" title={t("tile.withheld")}>
          {t("tile.withheld")}
        </span>
      )}
      {tile.reconnecting && (
        <span className="tile__withheld" data-testid="tile-reconnecting">
          {t("tile.reconnecting")}
        </span>
      )}
      {tile.hand && (
        <span className="tile__hand" data-testid="hand-raised" role="img" aria-label={t("tile.hand")} title={t("tile.hand")}>
          ✋
        </span>
      )}
      <div className={`tile__actions${menu ? " tile__actions--moderator" : ""}`}>
        {menu && <ParticipantMenu room={room} target={menu} />}
        <button type="button" className="icon-button" onClick={onPin} aria-pressed={pinned} aria-label={pinned ? t("tile.unpin", { name: label }) : t("tile.pin", { name: label })} title={pinned ? t("tile.unpin", { name: label }) : t("tile.pin", { name: label })}>
          <Icon name="pin" size={18} />
        </button>
        <button type="button" className="icon-button" onClick={fullscreen} aria-label={t("tile.fullscreen", { name: label })} title={t("tile.fullscreen", { name: label })}>
          <Icon name="fullscreen" size={18} />
        </button>
      </div>
      <figcaption className="tile__label">
        {!screen && tile.micOff && (
          <span className="tile__mic-off" data-testid="mic-off" role="img" aria-label={t("room.micOff")} title={t("room.micOff")}>
            <Icon name="mic-off" size={16} />
          </span>
        )}
        {screen && <Icon name="screen" size={16} />}
        <span className="tile__name" data-testid={screen ? undefined : "tile-name"}>
          {screen ? label : tile.name}
        </span>
        {tile.local && !screen && <span className="tile__you">({t("room.you")})</span>}
        {!screen && tile.role === "moderator" && (
          <span className="tile__role" data-testid="moderator-badge" role="img" aria-label={t("role.moderator")} title={t("role.moderator")}>
            <Icon name="shield" size={14} />
          </span>
        )}
        {!tile.local && !screen && tile.video && <QualityBadge room={room} track={tile.video} />}
        {tile.local && !screen && <ConnectionPath room={room} />}
      </figcaption>
    </figure>
  );
}
