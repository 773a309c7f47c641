import type { MessageKey } from "../i18n/en.js";

/** Why a device is unavailable, as shown to the person. */
export type DeviceProblem = "denied" | "missing" | "busy" | "failed" | "insecure";

/** The outcome of asking for one device. */
export type DeviceResult =
  | { ok: true; track: MediaStreamTrack }
  | { ok: false; problem: DeviceProblem; reason: string };

/**
 * Camera: 1280×720 (the SDK sends it as 180p/360p/720p simulcast; a receiver gets the layer
 * its tile needs) at up to 24 fps.
 */
export const CAMERA_CONSTRAINTS: MediaTrackConstraints = {
  width: { ideal: 1280 },
  height: { ideal: 720 },
  frameRate: { ideal: 24, max: 30 },
};

export const MICROPHONE_CONSTRAINTS: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

/** Maps a getUserMedia failure to what the person can do about it. */
export function classify(error: unknown): DeviceProblem {
  const name = error instanceof DOMException || error instanceof Error ? error.name : "";
  switch (name) {
    case "NotAllowedError":
    case "SecurityError":
      return "denied";
    case "NotFoundError":
    case "OverconstrainedError":
      return "missing";
    case "NotReadableError":
    case "AbortError":
      return "busy";
    default:
      return "failed";
  }
}

/**
 * Asks for one kind of device. Audio and video are requested separately so that a denied or
 * missing camera does not cost the microphone (and vice versa).
 */
export async function acquire(kind: "audio" | "video", deviceId?: string): Promise<DeviceResult> {
  if (!navigator.mediaDevices?.getUserMedia) return { ok: false, problem: "insecure", reason: "no mediaDevices" };
  const base = kind === "video" ? CAMERA_CONSTRAINTS : MICROPHONE_CONSTRAINTS;
  const constraints = deviceId ? { ...base, deviceId: { exact: deviceId } } : base;
  try {
    const stream = await navigator.mediaDevices.getUserMedia(kind === "video" ? { video: constraints } : { audio: constraints });
    const track = kind === "video" ? stream.getVideoTracks()[0] : stream.getAudioTracks()[0];
    if (!track) return { ok: false, problem: "missing", reason: "no track" };
    if (kind === "video") track.contentHint = "motion";
    return { ok: true, track };
  } catch (error) {
    return { ok: false, problem: classify(error), reason: error instanceof Error ? error.message : String(error) };
  }
}

/** The message explaining a device problem. */
export function problemMessage(kind: "audio" | "video", problem: DeviceProblem): MessageKey {
  if (problem === "insecure") return "device.insecure";
  const device = kind === "video" ? "camera" : "microphone";
  return `device.${device}.${problem}` as MessageKey;
}
