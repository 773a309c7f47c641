import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

/**
 * The client's address: the socket's peer, or — behind `hops` trusted reverse proxies that
 * append to `X-Forwarded-For` — the address the outermost of them saw. Entries further left
 * were written by the client and are never trusted.
 */
export function clientAddress(req: IncomingMessage, hops: number): string {
  const peer = req.socket.remoteAddress ?? "unknown";
  if (hops <= 0) return peer;
  const header = req.headers["x-forwarded-for"];
  const list = (Array.isArray(header) ? header.join(",") : (header ?? "")).split(",").map((s) => s.trim()).filter(Boolean);
  const candidate = list[list.length - hops];
  return candidate && isIP(candidate) ? candidate : peer;
}

/** Loopback: 127.0.0.0/8, ::1, and IPv4-mapped loopback. */
export function isLoopback(address: string): boolean {
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}
