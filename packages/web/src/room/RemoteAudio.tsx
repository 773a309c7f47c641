import { useEffect, useRef } from "react";

interface Props {
  track: MediaStreamTrack;
  sinkId: string;
  /** Whose audio it is and what it carries (data attributes, for diagnostics and tests). */
  participantId: string;
  source: "microphone" | "screen-audio";
}

/** Plays one remote audio track (hidden), on the chosen speaker where the browser allows. */
export function RemoteAudio({ track, sinkId, participantId, source }: Props) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const audio = ref.current;
    if (!audio) return;
    audio.srcObject = new MediaStream([track]);
    audio.play().catch(() => undefined);
  }, [track]);
  useEffect(() => {
    const audio = ref.current as (HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> }) | null;
    audio?.setSinkId?.(sinkId).catch(() => undefined);
  }, [sinkId]);
  return <audio ref={ref} autoPlay data-participant-id={participantId} data-source={source} />;
}
