import { useEffect } from "react";
import type { ConfabRoom } from "@confab/client";
import type { Translate } from "../../i18n/i18n.js";
import type { ToastAction } from "../Toasts.js";

/**
 * Tells the person what a moderator did to them: muted them (a muted camera's device is
 * released too, so its light goes off), asked them to unmute (with a button: only they can
 * turn a microphone on), stopped their screen share, made them a moderator.
 */
export function useModerationNotices(
  room: ConfabRoom,
  t: Translate,
  notify: (text: string, action?: ToastAction) => void,
  turnCameraOn: () => void,
): void {
  useEffect(
    () =>
      room.events.on("moderated", (event) => {
        switch (event.action) {
          case "muted":
            if (event.source === "camera") {
              void room.releaseDevice("camera");
              notify(t("moderated.muted.camera"));
            } else notify(t("moderated.muted.microphone"));
            return;
          case "ask-unmute":
            if (event.source === "camera") {
              notify(t("moderated.askUnmute.camera", { name: event.by }), { label: t("moderated.unmute.camera"), run: turnCameraOn });
            } else {
              notify(t("moderated.askUnmute.microphone", { name: event.by }), {
                label: t("moderated.unmute.microphone"),
                run: () => room.setMuted("microphone", false),
              });
            }
            return;
          case "screen-stopped":
            notify(t("moderated.screenStopped"));
            return;
          case "promoted":
            notify(t("moderated.promoted"));
            return;
        }
      }),
    [room, t, notify, turnCameraOn],
  );
}
