import { useEffect, useRef } from "react";

/** Initials of a display name: first letters of the first two words. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/u).filter(Boolean);
  const letters = words.slice(0, 2).map((w) => [...w][0] ?? "");
  return letters.join("").toLocaleUpperCase() || "?";
}

/** A stable hue for a name, so a person keeps their colour. */
export function hueOf(name: string): number {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.codePointAt(0)!) % 360;
  return h;
}

/** The circle with initials shown when there is no video. */
export function Avatar({ name }: { name: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.style.setProperty("--hue", String(hueOf(name)));
  }, [name]);
  return (
    <div className="avatar" aria-hidden="true">
      <div className="avatar__circle" ref={ref}>
        {initials(name)}
      </div>
    </div>
  );
}
