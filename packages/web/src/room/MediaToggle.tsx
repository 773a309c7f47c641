import { useI18n } from "../i18n/context.js";
import { Icon } from "./Icon.js";

interface Props {
  kind: "microphone" | "camera";
  available: boolean;
  on: boolean;
  onToggle: () => void;
  testId?: string;
}

/** A round on/off button for the microphone or camera; `aria-pressed` is true while on. */
export function MediaToggle({ kind, available, on, onToggle, testId }: Props) {
  const { t } = useI18n();
  const short = kind === "microphone" ? "mic" : "camera";
  const label = !available ? t(`controls.${short}.none`) : on ? t(`controls.${short}.on`) : t(`controls.${short}.off`);
  const active = available && on;
  return (
    <button
      type="button"
      className={`round${active ? "" : " round--off"}`}
      data-testid={testId}
      aria-pressed={active}
      aria-label={label}
      title={label}
      disabled={!available}
      onClick={onToggle}
    >
      <Icon name={kind === "microphone" ? (active ? "mic" : "mic-off") : active ? "camera" : "camera-off"} />
    </button>
  );
}
