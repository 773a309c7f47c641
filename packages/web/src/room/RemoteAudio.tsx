import { useEffect, useRef } from "react";

/** Plays one remote microphone (hidden). */
export function RemoteAudio({ track }: { track: MediaStreamTrack }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const audio = ref.current;
    if (!audio) return;
    audio.srcObject = new MediaStream([track]);
    audio.play().catch(() => undefined);
  }, [track]);
  return <audio ref={ref} autoPlay />;
}
