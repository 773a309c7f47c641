import type { ReactNode } from "react";

/** http(s) URLs in free text; anything else (javascript:, data:) stays plain text. */
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]}]/giu;

/** A piece of chat text: plain, or a safe http(s) link. */
export type Segment = { text: string; href?: string };

/** Splits text into plain parts and http(s) links. Pure, so it is unit-tested. */
export function segments(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index ?? 0;
    if (start > last) out.push({ text: text.slice(last, start) });
    let href: string | undefined;
    try {
      const url = new URL(match[0]);
      if (url.protocol === "http:" || url.protocol === "https:") href = url.href;
    } catch {
      href = undefined;
    }
    out.push(href ? { text: match[0], href } : { text: match[0] });
    last = start + match[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}

/** Renders chat text as React text nodes and `<a>` elements: never as HTML. */
export function Linkified({ text }: { text: string }): ReactNode {
  return segments(text).map((s, i) =>
    s.href ? (
      <a key={i} href={s.href} target="_blank" rel="noopener noreferrer">
        {s.text}
      </a>
    ) : (
      <span key={i}>{s.text}</span>
    ),
  );
}
