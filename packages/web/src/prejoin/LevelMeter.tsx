import { useEffect, useRef, useState } from "react";
import { useI18n } from "../i18n/context.js";

/** A live microphone level bar (Web Audio analyser; nothing leaves the browser). */
export function LevelMeter({ track }: { track: MediaStreamTrack | undefined }) {
  const { t } = useI18n();
  const bar = useRef<HTMLDivElement>(null);
  const [level, setLevel] = useState(0);
  useEffect(() => {
    if (!track) return;
    const context = new AudioContext();
    const source = context.createMediaStreamSource(new MediaStream([track]));
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let frame = 0;
    let shown = 0;
    const tick = () => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const v of samples) sum += v * v;
      const rms = Math.sqrt(sum / samples.length);
      // -60 dBFS … 0 dBFS mapped to 0 … 100.
      const value = Math.max(0, Math.min(100, Math.round(((20 * Math.log10(rms || 1e-6)) + 60) * (100 / 60))));
      bar.current?.style.setProperty("--level", `${value}%`);
      if (Math.abs(value - shown) >= 10) {
        shown = value;
        setLevel(value);
      }
      frame = requestAnimationFrame(tick);
    };
    tick();
    return () => {
      cancelAnimationFrame(frame);
      source.disconnect();
      void context.close();
    };
  }, [track]);
  return (
    <div className="meter" role="meter" aria-label={t("prejoin.level")} aria-valuemin={0} aria-valuemax={100} aria-valuenow={track ? level : 0} data-testid="mic-level">
      <div className="meter__bar" ref={bar} />
    </div>
  );
}
