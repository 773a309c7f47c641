import { useI18n } from "../i18n/context.js";
import { Avatar } from "./Avatar.js";
import { Icon } from "./Icon.js";
import { VideoView } from "./VideoView.js";

interface Props {
  /** Remote participant id; absent for one's own tile. */
  participantId?: string;
  name: string;
  video: MediaStreamTrack | undefined;
  /** Camera muted or not published: show the avatar. */
  cameraOff: boolean;
  micOff: boolean;
  local?: boolean;
}

/** One participant: video (or avatar), name, microphone state. */
export function Tile({ participantId, name, video, cameraOff, micOff, local = false }: Props) {
  const { t } = useI18n();
  const label = local ? t("room.youName", { name }) : name;
  return (
    <figure
      className="tile"
      data-testid="tile"
      data-local={local ? "" : undefined}
      data-participant-id={participantId}
      aria-label={label}
    >
      <VideoView track={video} mirrored={local} />
      {(cameraOff || !video) && <Avatar name={name} />}
      <figcaption className="tile__label">
        {micOff && (
          <span className="tile__mic-off" data-testid="mic-off" role="img" aria-label={t("room.micOff")} title={t("room.micOff")}>
            <Icon name="mic-off" size={16} />
          </span>
        )}
        <span className="tile__name" data-testid="tile-name">
          {name}
        </span>
        {local && <span className="tile__you">({t("room.you")})</span>}
      </figcaption>
    </figure>
  );
}
