import { useCallback, useEffect, useRef, useState } from "react";
import type { ConfabRoom } from "@confab/client";

/**
 * Presenting: asks the browser for a screen, window or tab (with its audio where offered),
 * publishes it with content hint `detail`, and stops when the browser's own "Stop sharing" is
 * used or a moderator stops the share.
 */
export function useScreenShare(room: ConfabRoom, onError: (reason: string) => void) {
  const [sharing, setSharing] = useState(false);
  /** The captured tracks: ours to stop, also after the SDK has unpublished them. */
  const captured = useRef<MediaStreamTrack[]>([]);

  const stop = useCallback(() => {
    for (const track of captured.current) track.stop();
    captured.current = [];
    for (const source of ["screen", "screen-audio"] as const) void room.unpublishTrack(source);
    setSharing(false);
  }, [room]);

  const start = useCallback(async () => {
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15, max: 30 } }, audio: true });
    } catch (error) {
      // Cancelling the browser's picker is not an error worth showing.
      if (error instanceof DOMException && error.name === "NotAllowedError") return;
      onError(error instanceof Error ? error.message : String(error));
      return;
    }
    const video = stream.getVideoTracks()[0];
    if (!video) return;
    captured.current = stream.getTracks();
    video.contentHint = "detail";
    video.addEventListener("ended", stop);
    await room.publishTrack("screen", video);
    const audio = stream.getAudioTracks()[0];
    if (audio) await room.publishTrack("screen-audio", audio);
    setSharing(true);
  }, [room, stop, onError]);

  // A moderator stopped the share: the SDK unpublished it; the capture ends here.
  useEffect(() => room.events.on("moderated", (event) => event.action === "screen-stopped" && stop()), [room, stop]);
  useEffect(() => () => stop(), [stop]);
  return { sharing, start, stop, toggle: () => (sharing ? stop() : void start()) };
}
