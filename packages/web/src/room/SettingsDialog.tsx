import { useEffect, useId, useState } from "react";
import type { ConfabRoom } from "@confab/client";
import { LanguagePicker } from "../app/LanguagePicker.js";
import { useI18n } from "../i18n/context.js";
import { acquire } from "../media/devices.js";
import { Dialog } from "./Dialog.js";

export const PAGE_SIZES = [0, 4, 9, 16, 25] as const;

interface Props {
  room: ConfabRoom;
  onClose: () => void;
  pageSize: number;
  onPageSize: (size: number) => void;
  speakerId: string;
  onSpeaker: (deviceId: string) => void;
}

/** Devices (switched mid-call without rejoining), tiles per page, language. */
export function SettingsDialog({ room, onClose, pageSize, onPageSize, speakerId, onSpeaker }: Props) {
  const { t } = useI18n();
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const ids = { camera: useId(), microphone: useId(), speaker: useId(), pageSize: useId() };
  useEffect(() => {
    void navigator.mediaDevices?.enumerateDevices().then(setDevices);
  }, []);

  const current = (source: "camera" | "microphone") => room.localTrack(source)?.getSettings().deviceId ?? "";
  const switchTo = async (source: "camera" | "microphone", deviceId: string) => {
    const result = await acquire(source === "camera" ? "video" : "audio", deviceId);
    if (!result.ok) return;
    const old = room.localTrack(source);
    await room.publishTrack(source, result.track);
    if (old !== result.track) old?.stop();
  };
  const options = (kind: MediaDeviceKind) =>
    devices
      .filter((d) => d.kind === kind)
      .map((d, i) => (
        <option key={d.deviceId || i} value={d.deviceId}>
          {d.label || `${kind} ${i + 1}`}
        </option>
      ));
  const canPickSpeaker = "setSinkId" in HTMLMediaElement.prototype;

  return (
    <Dialog title={t("settings.title")} closeLabel={t("settings.close")} onClose={onClose}>
      <div className="settings">
        <label htmlFor={ids.camera}>{t("settings.camera")}</label>
        <select id={ids.camera} value={current("camera")} disabled={!room.hasLocal("camera")} onChange={(e) => void switchTo("camera", e.target.value)}>
          {options("videoinput")}
        </select>
        <label htmlFor={ids.microphone}>{t("settings.microphone")}</label>
        <select id={ids.microphone} value={current("microphone")} disabled={!room.hasLocal("microphone")} onChange={(e) => void switchTo("microphone", e.target.value)}>
          {options("audioinput")}
        </select>
        {canPickSpeaker && (
          <>
            <label htmlFor={ids.speaker}>{t("settings.speaker")}</label>
            <select id={ids.speaker} value={speakerId} onChange={(e) => onSpeaker(e.target.value)}>
              <option value="">{t("settings.default")}</option>
              {options("audiooutput")}
            </select>
          </>
        )}
        <label htmlFor={ids.pageSize}>{t("settings.pageSize")}</label>
        <select id={ids.pageSize} value={pageSize} onChange={(e) => onPageSize(Number(e.target.value))}>
          {PAGE_SIZES.map((n) => (
            <option key={n} value={n}>
              {n === 0 ? t("settings.pageSize.auto") : n}
            </option>
          ))}
        </select>
        <LanguagePicker />
      </div>
    </Dialog>
  );
}
