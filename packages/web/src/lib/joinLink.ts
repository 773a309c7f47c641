/**
 * Invitation links: `/<room>?token=…`. The token is read once at load, kept in memory only,
 * and taken out of the address bar, so it does not end up in screenshots, bookmarks or a URL
 * someone copies from the address bar to invite others.
 */

/** The token of `href` and the same address without it. */
export function splitToken(href: string): { token: string | undefined; url: string } {
  const url = new URL(href);
  const token = url.searchParams.get("token") ?? undefined;
  url.searchParams.delete("token");
  return { token: token || undefined, url: url.pathname + url.search + url.hash };
}

/** Reads the link's token and replaces the address with one without it (history.replaceState). */
export function takeLinkToken(location: Location = window.location, history: History = window.history): string | undefined {
  const { token, url } = splitToken(location.href);
  if (token !== undefined) history.replaceState(history.state, "", url);
  return token;
}

/**
 * The display name a join token carries, for the name field. Read without verifying the
 * signature: it only pre-fills a form, the server verifies the token and uses its name.
 */
export function tokenDisplayName(token: string | undefined): string | undefined {
  const payload = token?.split(".")[1];
  if (!payload) return undefined;
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "=")), (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    const name = (claims as { name?: unknown }).name;
    return typeof name === "string" && name.trim() !== "" ? name.trim() : undefined;
  } catch {
    return undefined;
  }
}

/** The link that brings its holder into `room` with `token` (e.g. the creator's moderator link). */
export function tokenLink(origin: string, room: string, token: string): string {
  return `${origin}/${encodeURIComponent(room)}?token=${encodeURIComponent(token)}`;
}
