import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { MAX_PASSWORD_LENGTH } from "@confab/protocol";
import { useI18n } from "../i18n/context.js";
import { LanguagePicker } from "../app/LanguagePicker.js";
import { acquire, problemMessage, type DeviceResult } from "../media/devices.js";
import { MediaToggle } from "../room/MediaToggle.js";
import { VideoView } from "../room/VideoView.js";
import { ConnectivityCheck } from "./ConnectivityCheck.js";
import { DevicePickers } from "./DevicePickers.js";
import { LevelMeter } from "./LevelMeter.js";
import { LobbyWaiting } from "./LobbyWaiting.js";

export const SPEAKER_KEY = "confab.speaker";

const NAME_KEY = "confab.displayName";

/** What the person chose on the pre-join screen. */
export interface JoinRequest {
  name: string;
  microphone: MediaStreamTrack | undefined;
  camera: MediaStreamTrack | undefined;
  micMuted: boolean;
  cameraMuted: boolean;
  /** The meeting's password, when the server asked for one. */
  password?: string | undefined;
}

interface Props {
  room: string;
  joining: boolean;
  /** Why the last join failed. */
  error: string | undefined;
  /** The meeting has a password: show its field. */
  askPassword: boolean;
  /** Waiting in the meeting's lobby for a moderator to let this person in. */
  waiting: boolean;
  /** The name the invitation link carries (pre-filled; the server uses the link's name). */
  initialName: string | undefined;
  /** Joins; resolves whether the room took the devices (false: they stay with this screen). */
  onJoin: (request: JoinRequest) => Promise<boolean>;
  /** Stops waiting in the lobby. */
  onCancel: () => void;
}

/** The lobby: camera preview, name, microphone and camera on/off, password, join, waiting. */
export function PreJoin({ room, joining, error, askPassword, waiting, initialName, onJoin, onCancel }: Props) {
  const { t } = useI18n();
  const nameId = useId();
  const passwordId = useId();
  const errorId = useId();
  const [name, setName] = useState(() => initialName ?? localStorage.getItem(NAME_KEY) ?? "");
  const [password, setPassword] = useState("");
  const passwordInput = useRef<HTMLInputElement>(null);
  const [mic, setMic] = useState<DeviceResult | undefined>();
  const [camera, setCamera] = useState<DeviceResult | undefined>();
  const [micOn, setMicOn] = useState(true);
  const [cameraOn, setCameraOn] = useState(true);
  const handedOver = useRef(false);
  const [speakerId, setSpeakerId] = useState(() => localStorage.getItem(SPEAKER_KEY) ?? "");
  const latest = useRef<{ mic?: DeviceResult; camera?: DeviceResult }>({});
  latest.current = { mic, camera };

  useEffect(() => {
    let cancelled = false;
    const got: MediaStreamTrack[] = [];
    // Separately, so a denied camera does not cost the microphone.
    void acquire("audio").then((r) => {
      if (r.ok) got.push(r.track);
      if (cancelled) r.ok && r.track.stop();
      else setMic(r);
    });
    void acquire("video").then((r) => {
      if (r.ok) got.push(r.track);
      if (cancelled) r.ok && r.track.stop();
      else setCamera(r);
    });
    return () => {
      cancelled = true;
      // Tracks handed to the room belong to it now; otherwise release the devices.
      if (handedOver.current) return;
      for (const track of got) track.stop();
      for (const r of [latest.current.mic, latest.current.camera]) if (r?.ok) r.track.stop();
    };
  }, []);

  /** Switches the previewed device: the old one is released. */
  const pick = async (kind: "audio" | "video", deviceId: string) => {
    const result = await acquire(kind, deviceId);
    const previous = kind === "audio" ? mic : camera;
    if (previous?.ok && (!result.ok || previous.track !== result.track)) previous.track.stop();
    if (kind === "audio") setMic(result);
    else setCamera(result);
  };

  const micTrack = mic?.ok ? mic.track : undefined;
  const cameraTrack = camera?.ok ? camera.track : undefined;
  useEffect(() => {
    if (micTrack) micTrack.enabled = micOn;
  }, [micTrack, micOn]);
  useEffect(() => {
    if (cameraTrack) cameraTrack.enabled = cameraOn;
  }, [cameraTrack, cameraOn]);

  // Asked for the password (or told it was wrong): put the cursor where the answer goes.
  useEffect(() => {
    if (askPassword && error) passwordInput.current?.select();
  }, [askPassword, error]);

  const ready = mic !== undefined && camera !== undefined;
  // A browser without WebRTC (Debian's WebKitGTK build, docs/decisions/0007) cannot take part:
  // say so instead of a join that never completes.
  const webrtc = typeof RTCPeerConnection !== "undefined";
  const canJoin = webrtc && name.trim() !== "" && ready && !joining && (!askPassword || password !== "");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!canJoin) return;
    if (name.trim() !== initialName) localStorage.setItem(NAME_KEY, name.trim());
    // Set before joining: entering the room unmounts this screen before onJoin resolves.
    handedOver.current = true;
    const request = { name: name.trim(), microphone: micTrack, camera: cameraTrack, micMuted: !micOn, cameraMuted: !cameraOn, password: askPassword ? password : undefined };
    void onJoin(request).then((entered) => {
      handedOver.current = entered;
    });
  };

  const problems = [
    mic && !mic.ok ? t(problemMessage("audio", mic.problem), { reason: mic.reason }) : undefined,
    camera && !camera.ok ? t(problemMessage("video", camera.problem), { reason: camera.reason }) : undefined,
  ].filter((p): p is string => p !== undefined);

  return (
    <main className="page prejoin">
      <section className="prejoin__preview" aria-label={t("prejoin.preview")}>
        <div className="preview">
          <VideoView track={cameraOn ? cameraTrack : undefined} mirrored />
          {(!cameraTrack || !cameraOn) && (
            <div className="preview__off">{ready ? t("prejoin.cameraOffPreview") : t("prejoin.starting")}</div>
          )}
          <div className="preview__controls">
            <MediaToggle kind="microphone" available={micTrack !== undefined} on={micOn} onToggle={() => setMicOn((v) => !v)} />
            <MediaToggle kind="camera" available={cameraTrack !== undefined} on={cameraOn} onToggle={() => setCameraOn((v) => !v)} />
          </div>
        </div>
        <LevelMeter track={micOn ? micTrack : undefined} />
        <DevicePickers
          cameraId={cameraTrack?.getSettings().deviceId}
          microphoneId={micTrack?.getSettings().deviceId}
          speakerId={speakerId}
          onCamera={(id) => void pick("video", id)}
          onMicrophone={(id) => void pick("audio", id)}
          onSpeaker={(id) => {
            localStorage.setItem(SPEAKER_KEY, id);
            setSpeakerId(id);
          }}
          refreshKey={`${micTrack?.id}${cameraTrack?.id}`}
        />
        {problems.map((p) => (
          <p key={p} className="notice" role="alert">
            {p}
          </p>
        ))}
      </section>
      {waiting ? (
        <LobbyWaiting room={room} onCancel={onCancel} />
      ) : (
        <form className="prejoin__form card" onSubmit={submit}>
          <h1>{t("prejoin.title", { room })}</h1>
          <label htmlFor={nameId}>{t("prejoin.name.label")}</label>
          <input
            id={nameId}
            data-testid="display-name"
            value={name}
            maxLength={64}
            autoComplete="name"
            placeholder={t("prejoin.name.placeholder")}
            onChange={(e) => setName(e.target.value)}
            autoFocus
          />
          {askPassword && (
            <>
              <label htmlFor={passwordId}>{t("prejoin.password.label")}</label>
              <input
                id={passwordId}
                ref={passwordInput}
                type="password"
                data-testid="password-input"
                value={password}
                maxLength={MAX_PASSWORD_LENGTH}
                autoComplete="off"
                aria-invalid={error !== undefined}
                aria-describedby={error ? errorId : undefined}
                onChange={(e) => setPassword(e.target.value)}
              />
            </>
          )}
          {error && (
            <p id={errorId} className="field-error" role="alert" data-testid="join-error">
              {error}
            </p>
          )}
          {!webrtc && (
            <p className="field-error" role="alert" data-testid="no-webrtc">
              {t("prejoin.noWebrtc")}
            </p>
          )}
          <button type="submit" data-testid="join" className="button button--primary button--large" disabled={!canJoin}>
            {joining ? t("prejoin.joining") : t("prejoin.join")}
          </button>
          {webrtc && <ConnectivityCheck />}
          <LanguagePicker />
        </form>
      )}
    </main>
  );
}
