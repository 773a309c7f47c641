import { useEffect, useRef, useState } from "react";
import type { ConfabRoom } from "@confab/client";
import { useI18n } from "../i18n/context.js";
import { Controls } from "./Controls.js";
import { gridColumns } from "./grid.js";
import { RemoteAudio } from "./RemoteAudio.js";
import { Tile } from "./Tile.js";
import { useElementSize, useRoomVersion } from "./useRoom.js";

interface Props {
  room: ConfabRoom;
  roomName: string;
  onLeave: () => void;
}

/** The meeting: a grid with a tile per participant, remote audio, the control bar. */
export function RoomView({ room, roomName, onLeave }: Props) {
  const { t } = useI18n();
  useRoomVersion(room);
  const [grid, setGrid] = useState<HTMLElement | null>(null);
  const size = useElementSize(grid);
  const participants = room.participants();
  const count = participants.length + 1;
  const columns = gridColumns(count, size.width || 1280, size.height || 720);
  const gridRef = useRef<HTMLElement | null>(null);
  useEffect(() => {
    gridRef.current?.style.setProperty("--columns", String(columns));
    gridRef.current?.style.setProperty("--rows", String(Math.ceil(count / columns)));
  }, [columns, count]);

  const self = room.self;
  return (
    <div className="meeting">
      <header className="topbar">
        <h1 className="topbar__room">{roomName}</h1>
        <span className="topbar__count">{t("room.participants", { count })}</span>
      </header>
      {room.status === "reconnecting" && (
        <div className="banner" role="status">
          {t("room.reconnecting")}
        </div>
      )}
      <main
        className="grid"
        ref={(el) => {
          gridRef.current = el;
          setGrid(el);
        }}
      >
        <Tile
          local
          name={self?.name ?? ""}
          video={room.localTrack("camera")}
          cameraOff={room.isMuted("camera")}
          micOff={room.isMuted("microphone")}
        />
        {participants.map((p) => (
          <Tile
            key={p.id}
            participantId={p.id}
            name={p.name}
            video={room.mediaOf(p.id, "camera")}
            cameraOff={room.isRemoteOff(p.id, "camera")}
            micOff={room.isRemoteOff(p.id, "microphone")}
          />
        ))}
      </main>
      {participants.length === 0 && <p className="alone">{t("room.alone")}</p>}
      <div hidden>
        {participants.map((p) => {
          const track = room.mediaOf(p.id, "microphone");
          return track ? <RemoteAudio key={p.id} track={track} /> : null;
        })}
      </div>
      <Controls room={room} onLeave={onLeave} />
    </div>
  );
}
