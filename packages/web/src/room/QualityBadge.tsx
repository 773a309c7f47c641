import { useEffect, useState } from "react";
import type { ConfabRoom } from "@confab/client";
import { useI18n } from "../i18n/context.js";

export type Quality = "good" | "fair" | "poor";

/** Grades a connection from loss (0–1) and round-trip time (s), as a person would feel it. */
export function grade(loss: number, rtt: number | undefined): Quality {
  if (loss > 0.05 || (rtt ?? 0) > 0.4) return "poor";
  if (loss > 0.01 || (rtt ?? 0) > 0.2) return "fair";
  return "good";
}

interface Sample {
  quality: Quality;
  detail: string;
}

/** Reads the receiving statistics of one remote video every 2 s. */
function useQuality(room: ConfabRoom, track: MediaStreamTrack): Sample | undefined {
  const [sample, setSample] = useState<Sample>();
  useEffect(() => {
    let previous: { received: number; lost: number } | undefined;
    let cancelled = false;
    const poll = async () => {
      for (const pc of room.peerConnections()) {
        const receiver = pc.getReceivers().find((r) => r.track === track);
        if (!receiver) continue;
        const stats = await receiver.getStats();
        let received = 0;
        let lost = 0;
        let size = "";
        let rtt: number | undefined;
        stats.forEach((s: Record<string, unknown>) => {
          if (s.type === "inbound-rtp") {
            received = Number(s.packetsReceived ?? 0);
            lost = Math.max(0, Number(s.packetsLost ?? 0));
            if (s.frameWidth) size = `${String(s.frameWidth)}×${String(s.frameHeight)}`;
          }
          if (s.type === "candidate-pair" && s.nominated && typeof s.currentRoundTripTime === "number") rtt = s.currentRoundTripTime;
        });
        const dr = previous ? received - previous.received : 0;
        const dl = previous ? lost - previous.lost : 0;
        previous = { received, lost };
        const loss = dr + dl > 0 ? dl / (dr + dl) : 0;
        const detail = [size, `${(loss * 100).toFixed(1)}%`, rtt !== undefined ? `${Math.round(rtt * 1000)} ms` : ""].filter(Boolean).join(" · ");
        if (!cancelled) setSample({ quality: grade(loss, rtt), detail });
        return;
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), 2000);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [room, track]);
  return sample;
}

/** Three bars showing how well a remote video arrives; details in the tooltip. */
export function QualityBadge({ room, track }: { room: ConfabRoom; track: MediaStreamTrack }) {
  const { t } = useI18n();
  const sample = useQuality(room, track);
  if (!sample) return null;
  const label = `${t("quality.label", { quality: t(`quality.${sample.quality}`) })} (${sample.detail})`;
  return (
    <span className={`quality quality--${sample.quality}`} data-testid="quality" data-quality={sample.quality} role="img" aria-label={label} title={label}>
      <i />
      <i />
      <i />
    </span>
  );
}
