import { useEffect, useRef } from "react";

/** Plays one remote audio track (hidden), on the chosen speaker where the browser allows. */
export function RemoteAudio({ track, sinkId }: { track: MediaStreamTrack; sinkId: string }) {
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
  return <audio ref={ref} autoPlay />;
}
