import { createSocket, type Socket } from "node:dgram";
import { isIP } from "node:net";
import { UdpTransport } from "werift";
import { DEFAULT_UDP_BUFFER_BYTES } from "../config/config.js";

/** What the kernel granted one socket, bytes (as asked for: Linux's doubled figure is halved). */
export interface UdpBufferSizes {
  receive: number;
  send: number;
}

type Lookup = (address: string, callback: (error: Error | null, address: string, family: number) => void) => void;

let bufferBytes = DEFAULT_UDP_BUFFER_BYTES;
let installed = false;

/**
 * Tunes every UDP socket werift opens in this thread for media (ICE host candidates):
 *
 * - asks the kernel for `bytes` of receive and send buffer (0 keeps the kernel's default). The
 *   default (~208 KiB on Linux) holds about 90 full-size packets, ~90 ms of a 1000-packet/s
 *   stream: an event loop busy longer (a garbage collection, a burst of handshakes) loses
 *   packets in the kernel. Far more is not better: an overloaded thread would then queue
 *   seconds of media that arrive too late to play. The kernel caps the size at
 *   `net.core.rmem_max` / `wmem_max`; see {@link probeUdpBufferSizes}.
 * - resolves literal IP addresses synchronously on send. Node's `dgram` looks every destination
 *   up with `dns.lookup`, which answers a literal on the next tick: a tick object and a
 *   deferred send per packet, for the addresses ICE always gives it.
 *
 * Sockets opened before the first call keep their settings. Later calls change the size for
 * sockets opened after them. Idempotent.
 */
export function installUdpSocketTuning(bytes: number = DEFAULT_UDP_BUFFER_BYTES): void {
  bufferBytes = bytes;
  if (installed) return;
  installed = true;
  const proto = UdpTransport.prototype as unknown as { init(): Promise<void>; socket: Socket };
  const init = proto.init;
  proto.init = async function (this: { socket: Socket }) {
    await init.call(this);
    tuneUdpSocket(this.socket, bufferBytes);
    trackUdpSocket(this.socket);
  };
}

/** Counts `socket` among this thread's media sockets until it closes, so {@link closeUdpSockets} closes it. */
export function trackUdpSocket(socket: Socket): void {
  openSockets.add(socket);
  socket.once("close", () => openSockets.delete(socket));
}

/** This thread's open media sockets (werift's, through {@link installUdpSocketTuning}). */
const openSockets = new Set<Socket>();

/** How many media sockets this thread has open. */
export function openUdpSocketCount(): number {
  return openSockets.size;
}

/**
 * Closes every media socket this thread still has open and returns how many there were.
 * A worker thread calls it before it ends: Node aborts the whole process (`FATAL ERROR:
 * v8::FromJust Maybe value is Nothing` in `UDPWrap::OnRecv`) when a datagram arrives on a
 * socket of a thread that is being terminated, and clients keep sending until they notice.
 */
export function closeUdpSockets(): number {
  const count = openSockets.size;
  for (const socket of [...openSockets]) {
    openSockets.delete(socket);
    try {
      socket.close();
    } catch {
      // closed already
    }
  }
  return count;
}

/** Applies {@link installUdpSocketTuning}'s settings to one bound socket; never throws. */
export function tuneUdpSocket(socket: Socket, bytes: number): void {
  if (bytes > 0) {
    try {
      socket.setRecvBufferSize(bytes);
      socket.setSendBufferSize(bytes);
    } catch {
      // Not bound, or closed already: the socket keeps the kernel's default.
    }
  }
  literalLookup(socket);
}

/**
 * Opens a socket on loopback, asks for `bytes` and reports what the kernel granted, so the
 * server can tell an operator when `net.core.rmem_max`/`wmem_max` cap the request.
 */
export async function probeUdpBufferSizes(bytes: number): Promise<UdpBufferSizes> {
  const socket = createSocket("udp4");
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, "127.0.0.1", () => resolve());
    });
    tuneUdpSocket(socket, bytes);
    // Linux books twice the size asked for (its own overhead) and reports that.
    const scale = process.platform === "linux" ? 2 : 1;
    return { receive: socket.getRecvBufferSize() / scale, send: socket.getSendBufferSize() / scale };
  } finally {
    socket.close();
  }
}

/**
 * What to tell an operator when the kernel granted less than `requested` (undefined when it
 * granted it all): the server logs it at start, the bench prints it.
 */
export function udpBufferCapMessage(requested: number, granted: UdpBufferSizes): string | undefined {
  if (requested <= 0 || (granted.receive >= requested && granted.send >= requested)) return undefined;
  return (
    `the kernel caps UDP buffers at ${granted.receive} bytes (receive) and ${granted.send} (send), ` +
    `below the ${requested} asked for; busy rooms lose packets in them ` +
    `(raise the cap: sysctl -w net.core.rmem_max=${requested} net.core.wmem_max=${requested})`
  );
}

/** The `dgram` internals this reads: the per-socket state and its handle's lookup. */
function literalLookup(socket: Socket): void {
  const stateKey = Object.getOwnPropertySymbols(socket).find((s) => s.description === "state symbol");
  const state = stateKey ? (socket as unknown as Record<symbol, { handle?: { lookup?: Lookup } } | undefined>)[stateKey] : undefined;
  const handle = state?.handle;
  const original = handle?.lookup;
  if (!handle || typeof original !== "function" || (original as { literal?: boolean }).literal) return;
  // A socket sends to few addresses (one per ICE pair), so the last one is remembered.
  let lastAddress = "";
  let lastFamily = 0;
  const lookup: Lookup = (address, callback) => {
    if (address !== lastAddress) {
      const family = typeof address === "string" ? isIP(address) : 0;
      if (family === 0) {
        original.call(handle, address, callback);
        return;
      }
      lastAddress = address;
      lastFamily = family;
    }
    callback(null, address, lastFamily);
  };
  (lookup as { literal?: boolean }).literal = true;
  handle.lookup = lookup;
}
