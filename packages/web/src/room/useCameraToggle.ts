import { useCallback, useRef } from "react";
import type { ConfabRoom } from "@confab/client";
import { acquire, problemMessage } from "../media/devices.js";
import type { Translate } from "../i18n/i18n.js";

/**
 * Camera on/off as people expect from Meet: off releases the device (its light goes off), on
 * opens the same camera again. The publication stays, so neither needs renegotiation.
 */
export function useCameraToggle(room: ConfabRoom, t: Translate, notify: (text: string) => void): () => Promise<void> {
  const deviceId = useRef<string | undefined>(undefined);
  const busy = useRef(false);
  return useCallback(async () => {
    if (busy.current || !room.hasLocal("camera")) return;
    busy.current = true;
    try {
      if (!room.isMuted("camera")) {
        deviceId.current = room.localTrack("camera")?.getSettings().deviceId ?? deviceId.current;
        await room.releaseDevice("camera");
        return;
      }
      const current = room.localTrack("camera");
      if (current) {
        // Still held (e.g. joined with the camera off from an older state): just unmute.
        room.setMuted("camera", false);
        return;
      }
      const result = await acquire("video", deviceId.current);
      if (result.ok) await room.restoreDevice("camera", result.track);
      else notify(t(problemMessage("video", result.problem), { reason: result.reason }));
    } finally {
      busy.current = false;
    }
  }, [room, t, notify]);
}
