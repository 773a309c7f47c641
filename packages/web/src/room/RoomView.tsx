import { useCallback, useEffect, useRef, useState } from "react";
import type { ConfabRoom } from "@confab/client";
import { useI18n } from "../i18n/context.js";
import { ChatPanel } from "./ChatPanel.js";
import { MediaBlocked } from "./ConnectionPath.js";
import { Controls } from "./Controls.js";
import { HelpDialog } from "./HelpDialog.js";
import { ParticipantsPanel } from "./ParticipantsPanel.js";
import { RemoteAudio } from "./RemoteAudio.js";
import { SettingsDialog } from "./SettingsDialog.js";
import { useShortcuts } from "./shortcuts.js";
import { Stage, type Layout } from "./Stage.js";
import { buildTiles } from "./tiles.js";
import { Toasts, type Notice, type ToastAction } from "./Toasts.js";
import { KnockRequests } from "./moderation/KnockRequests.js";
import { useModerationNotices } from "./moderation/useModerationNotices.js";
import { useRoomVersion } from "./useRoom.js";
import { SPEAKER_KEY } from "../prejoin/PreJoin.js";
import { useCameraToggle } from "./useCameraToggle.js";
import { useScreenShare } from "./useScreenShare.js";
import { ViewReporter } from "./ViewReporter.js";

const PAGE_SIZE_KEY = "confab.pageSize";

interface Props {
  room: ConfabRoom;
  roomName: string;
  onLeave: () => void;
}

/** Counts chat messages that arrived while the chat panel was closed. */
function useUnread(room: ConfabRoom, open: boolean): number {
  const [unread, setUnread] = useState(0);
  useEffect(() => {
    if (open) setUnread(0);
    return room.events.on("chat", (m) => {
      if (!open && m.participantId !== room.self?.id) setUnread((n) => n + 1);
    });
  }, [room, open]);
  return unread;
}

/** The last participant who spoke (kept through silences, for the speaker view). */
function useLastSpeaker(room: ConfabRoom): string | undefined {
  const [last, setLast] = useState<string | undefined>(room.speaker ?? undefined);
  useEffect(() => room.events.on("speaker", (id) => id && setLast(id)), [room]);
  return last;
}

/** The meeting: stage, side panel, toasts, control bar, dialogs, shortcuts. */
export function RoomView({ room, roomName, onLeave }: Props) {
  const { t } = useI18n();
  useRoomVersion(room);
  const [panel, setPanel] = useState<"chat" | "participants" | null>(null);
  const [layout, setLayout] = useState<Layout>("grid");
  const [pinned, setPinned] = useState<string | undefined>();
  const [dialog, setDialog] = useState<"help" | "settings" | null>(null);
  const [notice, setNotice] = useState<Notice | undefined>();
  const [pageSize, setPageSize] = useState(() => Number(localStorage.getItem(PAGE_SIZE_KEY) ?? 0) || 0);
  const [sinkId, setSinkId] = useState(() => localStorage.getItem(SPEAKER_KEY) ?? "");
  const noticeSeq = useRef(0);
  const notify = useCallback((text: string, action?: ToastAction) => setNotice({ text, id: ++noticeSeq.current, action }), []);
  const screen = useScreenShare(room, (reason) => notify(t("controls.screen.failed", { reason })));
  const unread = useUnread(room, panel === "chat");
  const toggleCamera = useCameraToggle(room, t, notify);
  const lastSpeaker = useLastSpeaker(room);
  const turnCameraOn = useCallback(() => {
    if (room.isMuted("camera")) void toggleCamera();
  }, [room, toggleCamera]);
  useModerationNotices(room, t, notify, turnCameraOn);

  const tiles = buildTiles(room);
  const screenTile = tiles.find((m) => m.kind === "screen" && !m.local) ?? tiles.find((m) => m.kind === "screen");
  const focusKey = pinned ?? screenTile?.key ?? lastSpeaker;
  useEffect(() => {
    if (pinned && !tiles.some((m) => m.key === pinned)) setPinned(undefined);
  });
  // A new screen share switches to the speaker view, as Meet does.
  const screenKey = screenTile?.key;
  useEffect(() => {
    if (screenKey) setLayout("speaker");
  }, [screenKey]);

  // The server is restarting: say so before the reconnecting banner appears.
  useEffect(() => room.events.on("draining", () => notify(t("room.draining"))), [room, notify, t]);
  // The server's publish cap paused (or resumed) one of our tracks: say which, and why.
  useEffect(
    () =>
      room.events.on("capped", (notice) => {
        const what = t(`capped.what.${notice.source}`);
        notify(notice.paused ? t("capped.paused", { what, kbps: notice.maxKbps, pps: notice.maxPacketsPerSecond }) : t("capped.resumed", { what }));
      }),
    [room, notify, t],
  );
  useEffect(
    () =>
      room.events.on("error", (error) => {
        if (error.code === "RATE_LIMITED") notify(t("chat.tooFast"));
        // A moderator action the server refused (e.g. this client was no longer a moderator).
        if (error.code === "FORBIDDEN") notify(t("access.FORBIDDEN"));
      }),
    [room, notify, t],
  );

  const togglePanel = (which: "chat" | "participants") => setPanel((p) => (p === which ? null : which));
  const invite = async () => {
    const url = `${location.origin}/${encodeURIComponent(roomName)}`;
    try {
      await navigator.clipboard.writeText(url);
      notify(t("invite.copied"));
    } catch {
      notify(t("invite.failed", { url }));
    }
  };
  useShortcuts((action) => {
    switch (action) {
      case "mic":
        return room.setMuted("microphone", !room.isMuted("microphone"));
      case "camera":
        return void toggleCamera();
      case "screen":
        return screen.toggle();
      case "chat":
        return togglePanel("chat");
      case "participants":
        return togglePanel("participants");
      case "hand":
        return room.setHand(!room.handRaised);
      case "help":
        return setDialog((d) => (d === "help" ? null : "help"));
    }
  });

  const remoteAudio = room.participants().flatMap((p) =>
    (["microphone", "screen-audio"] as const).map((source) => {
      const track = room.mediaOf(p.id, source);
      return track ? <RemoteAudio key={`${p.id}:${source}`} track={track} sinkId={sinkId} participantId={p.id} source={source} /> : null;
    }),
  );

  return (
    <div className={`meeting${panel ? " meeting--panel" : ""}`}>
      <header className="topbar">
        <h1 className="topbar__room">{roomName}</h1>
        <span className="topbar__count">{t("room.participants", { count: room.participants().length + 1 })}</span>
      </header>
      {room.status === "reconnecting" && (
        <div className="banner" role="status">
          {t("room.reconnecting")}
        </div>
      )}
      <MediaBlocked room={room} />
      {screen.sharing && (
        <div className="banner banner--presenting" role="status" data-testid="presenting">
          <span>{t("presenting.banner")}</span>
          <button type="button" className="button" onClick={screen.stop}>
            {t("controls.screen.stop")}
          </button>
        </div>
      )}
      <div className="meeting__body">
        <ViewReporter room={room}>
          <Stage
            room={room}
            tiles={tiles}
            layout={layout}
            focusKey={focusKey}
            pinnedKey={pinned}
            onPin={(key) => {
              setPinned((p) => (p === key ? undefined : key));
              setLayout("speaker");
            }}
            pageSize={pageSize}
          />
        </ViewReporter>
        {panel === "chat" && <ChatPanel room={room} onClose={() => setPanel(null)} />}
        {panel === "participants" && <ParticipantsPanel room={room} roomName={roomName} onClose={() => setPanel(null)} notify={notify} />}
      </div>
      {room.participants().length === 0 && <p className="alone">{t("room.alone")}</p>}
      <div hidden>{remoteAudio}</div>
      <KnockRequests room={room} />
      <Toasts room={room} notice={notice} />
      <Controls
        room={room}
        onCamera={() => void toggleCamera()}
        sharing={screen.sharing}
        onScreen={screen.toggle}
        panel={panel}
        onPanel={togglePanel}
        unread={unread}
        layout={layout}
        onLayout={() => {
          setLayout((l) => (l === "grid" ? "speaker" : "grid"));
          setPinned(undefined);
        }}
        onInvite={() => void invite()}
        onSettings={() => setDialog("settings")}
        onHelp={() => setDialog("help")}
        onLeave={onLeave}
      />
      {dialog === "help" && <HelpDialog onClose={() => setDialog(null)} />}
      {dialog === "settings" && (
        <SettingsDialog
          room={room}
          onClose={() => setDialog(null)}
          pageSize={pageSize}
          onPageSize={(n) => {
            localStorage.setItem(PAGE_SIZE_KEY, String(n));
            setPageSize(n);
          }}
          speakerId={sinkId}
          onSpeaker={(id) => {
            localStorage.setItem(SPEAKER_KEY, id);
            setSinkId(id);
          }}
        />
      )}
    </div>
  );
}
