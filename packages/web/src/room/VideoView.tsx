import { useEffect, useRef } from "react";

interface Props {
  track: MediaStreamTrack | undefined;
  mirrored?: boolean;
  fit?: "cover" | "contain";
}

/**
 * A `<video>` showing one track. `srcObject` is set only when the track changes (not on each
 * render), and the element stays in the DOM when there is no track.
 */
export function VideoView({ track, mirrored = false, fit = "cover" }: Props) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    video.srcObject = track ? new MediaStream([track]) : null;
    if (track) video.play().catch(() => undefined);
  }, [track]);
  return <video ref={ref} className={`video video--${fit}${mirrored ? " video--mirrored" : ""}`} autoPlay playsInline muted />;
}
