import os from "node:os";
import type { ServerConfig } from "../config/config.js";

/** The host part of a `Host` header or URL host (`[::1]:8080` → `::1`), lower case. */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(1, h.indexOf("]") > 0 ? h.indexOf("]") : undefined);
  const colon = h.indexOf(":");
  return colon >= 0 && h.indexOf(":", colon + 1) < 0 ? h.slice(0, colon) : h;
}

/**
 * Host names a browser may use to reach this server: loopback, this machine's name (and its
 * mDNS `.local` form) and interface addresses, `PUBLIC_URL`'s host and `ALLOWED_HOSTS`.
 */
export function allowedHostNames(config: Pick<ServerConfig, "allowedHosts" | "publicUrl">): Set<string> {
  const names = new Set(["localhost", "127.0.0.1", "::1"]);
  const machine = os.hostname().toLowerCase();
  names.add(machine);
  names.add(`${machine}.local`);
  for (const list of Object.values(os.networkInterfaces())) {
    for (const i of list ?? []) names.add(i.address.toLowerCase());
  }
  if (config.publicUrl) {
    try {
      names.add(hostName(new URL(config.publicUrl).host));
    } catch {
      // A malformed PUBLIC_URL adds nothing.
    }
  }
  for (const h of config.allowedHosts) names.add(hostName(h));
  return names;
}
