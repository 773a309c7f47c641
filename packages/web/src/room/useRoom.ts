import { useEffect, useState } from "react";
import type { ConfabRoom } from "@confab/client";

/** Re-renders the caller whenever the room changes; returns a change counter. */
export function useRoomVersion(room: ConfabRoom): number {
  const [version, setVersion] = useState(0);
  useEffect(() => room.events.on("change", () => setVersion((v) => v + 1)), [room]);
  return version;
}

/** The size of an element, tracked with ResizeObserver. */
export function useElementSize(element: HTMLElement | null): { width: number; height: number } {
  const [size, setSize] = useState({ width: 0, height: 0 });
  useEffect(() => {
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => {
      if (!entry) return;
      const { width, height } = entry.contentRect;
      setSize((s) => (s.width === width && s.height === height ? s : { width, height }));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [element]);
  return size;
}
