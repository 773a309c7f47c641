import { useCallback, useEffect, useState } from "react";
import type { ConfabRoom } from "@confab/client";

/**
 * Presenting: asks the browser for a screen, window or tab (with its audio where offered),
 * publishes it with content hint `detail`, and stops when the browser's own "Stop sharing" is used.
 */
export function useScreenShare(room: ConfabRoom, onError: (reason: string) => void) {
  const [sharing, setSharing] = useState(false);

  const stop = useCallback(() => {
    for (const source of ["screen", "screen-audio"] as const) {
      room.localTrack(source)?.stop();
      void room.unpublishTrack(source);
    }
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
    video.contentHint = "detail";
    video.addEventListener("ended", stop);
    await room.publishTrack("screen", video);
    const audio = stream.getAudioTracks()[0];
    if (audio) await room.publishTrack("screen-audio", audio);
    setSharing(true);
  }, [room, stop, onError]);

  useEffect(() => () => stop(), [stop]);
  return { sharing, start, stop, toggle: () => (sharing ? stop() : void start()) };
}
