import { useCallback, useEffect, useRef, useState } from "react";
import { ConfabRoom, ClientError } from "@confab/client";
import { useI18n } from "../i18n/context.js";
import { PreJoin, type JoinRequest } from "../prejoin/PreJoin.js";
import { RoomView } from "../room/RoomView.js";
import { errorText } from "./errors.js";

type Phase =
  | { name: "prejoin"; error?: string }
  | { name: "room"; room: ConfabRoom }
  | { name: "left" }
  | { name: "lost"; reason: string };

/** One meeting page: pre-join, the room, then "you left" or "disconnected". */
export function Meeting({ room: roomName }: { room: string }) {
  const { t } = useI18n();
  const [phase, setPhase] = useState<Phase>({ name: "prejoin" });
  const [joining, setJoining] = useState(false);
  const local = useRef<JoinRequest | undefined>(undefined);

  useEffect(() => {
    document.title = `${roomName} · ${t("app.name")}`;
  }, [roomName, t]);

  /** Releases every device: those from the lobby and those picked up in the room since. */
  const stopLocal = useCallback((room?: ConfabRoom) => {
    const held = (["microphone", "camera", "screen", "screen-audio"] as const).map((s) => room?.localTrack(s));
    for (const track of [local.current?.microphone, local.current?.camera, ...held]) track?.stop();
    local.current = undefined;
  }, []);

  // Leaving the page: leave the room and release the devices.
  useEffect(() => {
    const onUnload = () => {
      if (phase.name === "room") phase.room.close();
    };
    window.addEventListener("pagehide", onUnload);
    return () => window.removeEventListener("pagehide", onUnload);
  }, [phase]);

  const join = async (request: JoinRequest) => {
    local.current = request;
    setJoining(true);
    const room = new ConfabRoom({ serverUrl: location.origin, room: roomName, name: request.name, clientName: "confab-web/0.1.0" });
    room.events.on("closed", (error) => {
      if (error) {
        stopLocal(room);
        setPhase({ name: "lost", reason: errorText(t, error) });
      }
    });
    try {
      await room.join({
        microphone: request.microphone,
        camera: request.camera,
        muted: { microphone: request.micMuted, camera: request.cameraMuted },
      });
      // Joined with the camera off: give the device back until it is turned on.
      if (request.cameraMuted) await room.releaseDevice("camera");
      setPhase({ name: "room", room });
    } catch (error) {
      setPhase({ name: "prejoin", error: t("error.join", { reason: errorText(t, error as ClientError) }) });
    } finally {
      setJoining(false);
    }
  };

  const leave = async (room: ConfabRoom) => {
    const held = (["microphone", "camera", "screen", "screen-audio"] as const).map((s) => room.localTrack(s));
    await room.leave();
    for (const track of held) track?.stop();
    stopLocal();
    setPhase({ name: "left" });
  };

  switch (phase.name) {
    case "prejoin":
      return <PreJoin room={roomName} joining={joining} error={phase.error} onJoin={join} />;
    case "room":
      return <RoomView room={phase.room} roomName={roomName} onLeave={() => void leave(phase.room)} />;
    case "left":
    case "lost":
      return (
        <main className="page page--center">
          <div className="card">
            <h1>{t(phase.name === "left" ? "left.title" : "lost.title")}</h1>
            {phase.name === "lost" && <p role="alert">{t("lost.body", { reason: phase.reason })}</p>}
            <div className="row">
              <button type="button" className="button button--primary" onClick={() => setPhase({ name: "prejoin" })}>
                {t("left.rejoin")}
              </button>
              <a className="button" href="/">
                {t("left.home")}
              </a>
            </div>
          </div>
        </main>
      );
  }
}
