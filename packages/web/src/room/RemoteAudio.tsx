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
    // Safari and Firefox refuse sound before the page had a user gesture (a rejoin after a
    // reload, a tab opened by a script): try again at the next click or key press.
    let retry: (() => void) | undefined;
    let disposed = false;
    audio.play().catch(() => {
      if (disposed) return;
      retry = () => {
        void audio.play().catch(() => undefined);
        removeEventListener("pointerdown", retry!, true);
        removeEventListener("keydown", retry!, true);
      };
      addEventListener("pointerdown", retry, true);
      addEventListener("keydown", retry, true);
    });
    return () => {
      disposed = true;
      if (!retry) return;
      removeEventListener("pointerdown", retry, true);
      removeEventListener("keydown", retry, true);
    };
  }, [track]);
  useEffect(() => {
    const audio = ref.current as (HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> }) | null;
    audio?.setSinkId?.(sinkId).catch(() => undefined);
  }, [sinkId]);
  return <audio ref={ref} autoPlay data-participant-id={participantId} data-source={source} />;
}
