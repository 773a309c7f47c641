import type { Socket } from "node:dgram";

/**
 * The part of a `dgram` socket's internal state the native send path reads: its libuv handle,
 * whose `fd` is the socket's descriptor, and which Node sets to null when the socket closes
 * (libuv closes the descriptor in the same call). Not in Node's typed API: read once per
 * nominated pair, never per packet.
 */
export interface DgramState {
  handle: { fd?: unknown } | null | undefined;
}

/** A `dgram` socket's internal state (the `state symbol` property), or undefined. */
export function dgramState(socket: Socket): DgramState | undefined {
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === "state symbol");
  const state = key ? (socket as unknown as Record<symbol, unknown>)[key] : undefined;
  return typeof state === "object" && state !== null && "handle" in state ? (state as DgramState) : undefined;
}

/** The file descriptor under a bound `dgram` socket (its libuv handle's), or -1. */
export function socketFd(socket: Socket): number {
  const fd = dgramState(socket)?.handle?.fd;
  return typeof fd === "number" && Number.isInteger(fd) && fd >= 0 ? fd : -1;
}
