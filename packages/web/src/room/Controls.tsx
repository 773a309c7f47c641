import type { ConfabRoom } from "@confab/client";
import { useI18n } from "../i18n/context.js";
import { Icon } from "./Icon.js";
import { MediaToggle } from "./MediaToggle.js";

/** The bottom bar: microphone, camera, leave. */
export function Controls({ room, onLeave }: { room: ConfabRoom; onLeave: () => void }) {
  const { t } = useI18n();
  return (
    <nav className="controls" aria-label={t("controls.label")}>
      <MediaToggle
        kind="microphone"
        testId="toggle-mic"
        available={room.hasLocal("microphone")}
        on={!room.isMuted("microphone")}
        onToggle={() => room.setMuted("microphone", !room.isMuted("microphone"))}
      />
      <MediaToggle
        kind="camera"
        testId="toggle-camera"
        available={room.hasLocal("camera")}
        on={!room.isMuted("camera")}
        onToggle={() => room.setMuted("camera", !room.isMuted("camera"))}
      />
      <button type="button" className="pill pill--danger" data-testid="leave" onClick={onLeave} aria-label={t("controls.leave")}>
        <Icon name="leave" />
        <span>{t("controls.leave")}</span>
      </button>
    </nav>
  );
}
