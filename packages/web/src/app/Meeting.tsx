import { useCallback, useEffect, useRef, useState } from "react";
import { ConfabRoom, ClientError } from "@confab/client";
import { useI18n } from "../i18n/context.js";
import { tokenDisplayName } from "../lib/joinLink.js";
import { PreJoin, type JoinRequest } from "../prejoin/PreJoin.js";
import { RoomView } from "../room/RoomView.js";
import { errorText, joinErrorText } from "./errors.js";
import { Farewell } from "./Farewell.js";

type Phase =
  | { name: "prejoin"; error?: string }
  | { name: "room"; room: ConfabRoom }
  | { name: "left" }
  | { name: "lost"; reason: string }
  | { name: "removed" }
  | { name: "ended" };

const SOURCES = ["microphone", "camera", "screen", "screen-audio"] as const;

/** The phase after the room closed on its own: removed, ended, or disconnected. */
function afterClose(t: Parameters<typeof errorText>[0], error: ClientError): Phase {
  if (error.code === "REMOVED") return { name: "removed" };
  if (error.code === "ENDED") return { name: "ended" };
  return { name: "lost", reason: errorText(t, error) };
}

/**
 * One meeting page: pre-join (password, lobby), the room, then "you left", "disconnected",
 * "removed" or "ended". `token` comes from the invitation link and lives in memory only.
 */
export function Meeting({ room: roomName, token }: { room: string; token: string | undefined }) {
  const { t } = useI18n();
  const [phase, setPhase] = useState<Phase>({ name: "prejoin" });
  const [joining, setJoining] = useState(false);
  const [waiting, setWaiting] = useState<ConfabRoom | undefined>();
  const [askPassword, setAskPassword] = useState(false);
  const local = useRef<JoinRequest | undefined>(undefined);
  /** The token to join with: the link's, or the moderator token the server gave the creator. */
  const joinToken = useRef(token);
  /** The password that worked, for a rejoin. */
  const password = useRef<string | undefined>(undefined);
  const cancelled = useRef<ConfabRoom | undefined>(undefined);

  useEffect(() => {
    document.title = `${roomName} · ${t("app.name")}`;
  }, [roomName, t]);

  /** Releases every device: those from the lobby and those picked up in the room since. */
  const stopLocal = useCallback((room?: ConfabRoom) => {
    const held = SOURCES.map((s) => room?.localTrack(s));
    for (const track of [local.current?.microphone, local.current?.camera, ...held]) track?.stop();
    local.current = undefined;
  }, []);

  // Leaving the page: leave the room and release the devices.
  useEffect(() => {
    const onUnload = () => {
      if (phase.name === "room") phase.room.close();
      waiting?.close();
    };
    window.addEventListener("pagehide", onUnload);
    return () => window.removeEventListener("pagehide", onUnload);
  }, [phase, waiting]);

  const join = async (request: JoinRequest): Promise<boolean> => {
    setJoining(true);
    const pass = request.password ?? password.current;
    const room = new ConfabRoom({
      serverUrl: location.origin,
      room: roomName,
      name: request.name,
      token: joinToken.current,
      password: pass,
      clientName: "confab-web/0.1.0",
      // `?relay=1` sends media through the TURN relay only (testing a relay, hiding one's address).
      iceTransportPolicy: new URLSearchParams(location.search).get("relay") === "1" ? "relay" : "all",
    });
    let entered = false;
    room.events.on("change", () => {
      if (room.status === "waiting") setWaiting(room);
    });
    room.events.on("closed", (error) => {
      if (!entered || !error) return;
      stopLocal(room);
      setPhase(afterClose(t, error));
    });
    try {
      await room.join({
        microphone: request.microphone,
        camera: request.camera,
        muted: { microphone: request.micMuted, camera: request.cameraMuted },
      });
      entered = true;
      local.current = request;
      password.current = pass;
      // The creator's moderator token brings them back as moderator if they rejoin.
      if (room.moderatorToken) joinToken.current = room.moderatorToken;
      // Joined with the camera off: give the device back until it is turned on.
      if (request.cameraMuted) void room.releaseDevice("camera");
      setPhase({ name: "room", room });
      return true;
    } catch (error) {
      const e = error instanceof ClientError ? error : new ClientError("CONNECTION_LOST", String(error));
      if (cancelled.current === room) {
        setPhase({ name: "prejoin" });
      } else if (e.code === "REMOVED") {
        // Final: this screen replaces the form, so the devices it held are released here.
        for (const track of [request.microphone, request.camera]) track?.stop();
        setPhase({ name: "removed" });
      } else {
        if (e.code === "PASSWORD_REQUIRED" || e.code === "PASSWORD_WRONG") setAskPassword(true);
        if (e.code === "PASSWORD_WRONG") password.current = undefined;
        setPhase({ name: "prejoin", error: joinErrorText(t, e) });
      }
      return false;
    } finally {
      setJoining(false);
      setWaiting(undefined);
    }
  };

  const cancelWaiting = () => {
    if (!waiting) return;
    cancelled.current = waiting;
    waiting.close();
  };

  const leave = async (room: ConfabRoom) => {
    const held = SOURCES.map((s) => room.localTrack(s));
    await room.leave();
    for (const track of held) track?.stop();
    stopLocal();
    setPhase({ name: "left" });
  };

  switch (phase.name) {
    case "prejoin":
      return (
        <PreJoin
          room={roomName}
          joining={joining}
          error={phase.error}
          askPassword={askPassword && password.current === undefined}
          waiting={waiting !== undefined}
          initialName={tokenDisplayName(token)}
          onJoin={join}
          onCancel={cancelWaiting}
        />
      );
    case "room":
      return <RoomView room={phase.room} roomName={roomName} onLeave={() => void leave(phase.room)} />;
    case "left":
      return <Farewell kind="left" onRejoin={() => setPhase({ name: "prejoin" })} />;
    case "lost":
      return <Farewell kind="lost" reason={phase.reason} onRejoin={() => setPhase({ name: "prejoin" })} />;
    case "removed":
      return <Farewell kind="removed" />;
    case "ended":
      return <Farewell kind="ended" />;
  }
}
