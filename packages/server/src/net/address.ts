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

/**
 * A request relayed by a proxy Confab was not told to trust: it comes from loopback with an
 * `X-Forwarded-For` header while `hops` is 0. Behind such a proxy every client looks like
 * 127.0.0.1 (one address for all limits, and exempt from them as loopback): the operator
 * forgot `TRUST_PROXY`.
 */
export function untrustedProxy(req: IncomingMessage, hops: number): boolean {
  return hops <= 0 && req.headers["x-forwarded-for"] !== undefined && isLoopback(req.socket.remoteAddress ?? "");
}

/** Loopback: 127.0.0.0/8, ::1, and IPv4-mapped loopback. */
export function isLoopback(address: string): boolean {
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}
