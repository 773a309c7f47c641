import { useEffect, useState } from "react";

/** What the server says about itself (`GET /info`). */
export interface ServerInfo {
  /** `open`: anyone may start a meeting; `token`: only invitation links work. */
  auth: "open" | "token";
  version: string;
  /** Whether the server offers a TURN relay to people whose network blocks direct media. */
  relay: boolean;
}

/** Parses `/info`'s JSON; undefined for anything else (an older server, a proxy's error page). */
export function parseServerInfo(json: unknown): ServerInfo | undefined {
  const info = json as Partial<ServerInfo> | null;
  if (!info || (info.auth !== "open" && info.auth !== "token")) return undefined;
  return { auth: info.auth, version: typeof info.version === "string" ? info.version : "", relay: info.relay === true };
}

/** The server's facts, once fetched; undefined while loading or when they cannot be had. */
export function useServerInfo(): ServerInfo | undefined {
  const [info, setInfo] = useState<ServerInfo | undefined>();
  useEffect(() => {
    const abort = new AbortController();
    fetch("/info", { signal: abort.signal })
      .then((response) => (response.ok ? response.json() : undefined))
      .then((json: unknown) => setInfo(parseServerInfo(json)))
      .catch(() => undefined);
    return () => abort.abort();
  }, []);
  return info;
}
