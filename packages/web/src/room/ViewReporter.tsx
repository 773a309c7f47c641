import { createContext, useContext, useEffect, useMemo, useRef, type ReactNode } from "react";
import type { ConfabRoom } from "@confab/client";
import type { ViewedTrack } from "@confab/protocol";

type Register = (trackId: string, element: HTMLElement, pinned: boolean) => () => void;

const ViewContext = createContext<Register | undefined>(undefined);

/**
 * Collects which remote videos are on screen, at what size and whether pinned, and tells the
 * SFU (`room.setView`), so video that is not shown is not received and a pinned one is received
 * even when the server's last-N would hold it back.
 */
export function ViewReporter({ room, children }: { room: ConfabRoom; children: ReactNode }) {
  const elements = useRef(new Map<string, { element: HTMLElement; pinned: boolean }>());
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const last = useRef("");
  const observer = useMemo(() => new ResizeObserver(() => schedule()), []);

  function schedule(): void {
    clearTimeout(timer.current);
    timer.current = setTimeout(report, 150);
  }

  function report(): void {
    const ratio = window.devicePixelRatio || 1;
    const tracks: ViewedTrack[] = [];
    for (const [trackId, { element, pinned }] of elements.current) {
      const rect = element.getBoundingClientRect();
      const viewed: ViewedTrack = { trackId, width: Math.min(7680, Math.round(rect.width * ratio)), height: Math.min(4320, Math.round(rect.height * ratio)) };
      if (pinned) viewed.pinned = true;
      tracks.push(viewed);
    }
    tracks.sort((a, b) => a.trackId.localeCompare(b.trackId));
    const key = JSON.stringify(tracks);
    if (key === last.current) return;
    last.current = key;
    room.setView(tracks);
  }

  useEffect(() => () => {
    clearTimeout(timer.current);
    observer.disconnect();
  }, [observer]);

  const register = useMemo<Register>(
    () => (trackId, element, pinned) => {
      const entry = { element, pinned };
      elements.current.set(trackId, entry);
      observer.observe(element);
      schedule();
      return () => {
        if (elements.current.get(trackId) === entry) elements.current.delete(trackId);
        observer.unobserve(element);
        schedule();
      };
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps -- schedule reads refs only
    [observer],
  );
  return <ViewContext.Provider value={register}>{children}</ViewContext.Provider>;
}

/** Registers an element showing remote video `trackId` (pinned by the user or not) while it is mounted. */
export function useViewed(trackId: string | undefined, element: HTMLElement | null, pinned = false): void {
  const register = useContext(ViewContext);
  useEffect(() => {
    if (!register || !trackId || !element) return;
    return register(trackId, element, pinned);
  }, [register, trackId, element, pinned]);
}
