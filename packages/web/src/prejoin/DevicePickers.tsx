import { useEffect, useId, useState } from "react";
import { useI18n } from "../i18n/context.js";

interface Props {
  cameraId: string | undefined;
  microphoneId: string | undefined;
  speakerId: string;
  onCamera: (deviceId: string) => void;
  onMicrophone: (deviceId: string) => void;
  onSpeaker: (deviceId: string) => void;
  /** Changes when devices were granted, so labels can be read again. */
  refreshKey: unknown;
}

/** Camera, microphone and speaker pickers (labels are readable once access was granted). */
export function DevicePickers(p: Props) {
  const { t } = useI18n();
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const ids = { camera: useId(), microphone: useId(), speaker: useId() };
  useEffect(() => {
    const load = () => void navigator.mediaDevices?.enumerateDevices().then(setDevices);
    load();
    navigator.mediaDevices?.addEventListener("devicechange", load);
    return () => navigator.mediaDevices?.removeEventListener("devicechange", load);
  }, [p.refreshKey]);
  const of = (kind: MediaDeviceKind) => devices.filter((d) => d.kind === kind && d.deviceId);
  const options = (list: MediaDeviceInfo[]) =>
    list.map((d, i) => (
      <option key={d.deviceId} value={d.deviceId}>
        {d.label || `${i + 1}`}
      </option>
    ));
  const cameras = of("videoinput");
  const microphones = of("audioinput");
  const speakers = of("audiooutput");
  const canPickSpeaker = "setSinkId" in HTMLMediaElement.prototype && speakers.length > 0;
  return (
    <fieldset className="devices">
      <legend className="visually-hidden">{t("prejoin.devices")}</legend>
      <label htmlFor={ids.microphone}>{t("settings.microphone")}</label>
      <select id={ids.microphone} value={p.microphoneId ?? ""} disabled={microphones.length === 0} onChange={(e) => p.onMicrophone(e.target.value)}>
        {options(microphones)}
      </select>
      <label htmlFor={ids.camera}>{t("settings.camera")}</label>
      <select id={ids.camera} value={p.cameraId ?? ""} disabled={cameras.length === 0} onChange={(e) => p.onCamera(e.target.value)}>
        {options(cameras)}
      </select>
      {canPickSpeaker && (
        <>
          <label htmlFor={ids.speaker}>{t("settings.speaker")}</label>
          <select id={ids.speaker} value={p.speakerId} onChange={(e) => p.onSpeaker(e.target.value)}>
            <option value="">{t("settings.default")}</option>
            {options(speakers)}
          </select>
        </>
      )}
    </fieldset>
  );
}
