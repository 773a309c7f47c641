import { useEffect, useRef } from "react";

interface Props {
  track: MediaStreamTrack | undefined;
  mirrored?: boolean;
  fit?: "cover" | "contain";
  /** Told whether frames are showing (false until the first frame of a new track). */
  onShowing?: (showing: boolean) => void;
}

/**
 * A `<video>` showing one track. `srcObject` is set only when the track changes (not on each
 * render), and the element stays in the DOM when there is no track.
 */
export function VideoView({ track, mirrored = false, fit = "cover", onShowing }: Props) {
  const ref = useRef<HTMLVideoElement>(null);
  const showing = useRef(onShowing);
  showing.current = onShowing;
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    showing.current?.(false);
    // Safari (iOS above all) plays video without a gesture only when it is muted and inline:
    // React renders `muted` as a property only, so it is set here again before play().
    video.muted = true;
    video.srcObject = track ? new MediaStream([track]) : null;
    if (!track) return;
    video.play().catch(() => undefined);
    const onFrame = () => showing.current?.(video.videoWidth > 0);
    video.addEventListener("loadeddata", onFrame);
    video.addEventListener("resize", onFrame);
    return () => {
      video.removeEventListener("loadeddata", onFrame);
      video.removeEventListener("resize", onFrame);
    };
  }, [track]);
  return <video ref={ref} className={`video video--${fit}${mirrored ? " video--mirrored" : ""}`} autoPlay playsInline muted />;
}
