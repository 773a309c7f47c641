import { createSocket } from "node:dgram";
import { Connection, UdpTransport } from "werift";
import type { IceAgent } from "./iceRequestGuard.js";
import type { FastPathMode } from "../config/config.js";
import { nativePath, selectFastPath } from "./native/fastPath.js";
import { NativeReceive } from "./native/NativeReceive.js";
import { MuxTransport, UdpMux, type UdpBind } from "./UdpMux.js";
import { trackUdpSocket } from "./udpSockets.js";

/**
 * The shared socket's kernel buffer, as a multiple of `RTC_UDP_BUFFER_BYTES` (one
 * connection's socket): it takes the traffic of all of a worker's connections. 4 × 1 MiB holds
 * ~1 800 full-size packets, ~180 ms of 10 000 packets/s arriving while the event loop is busy
 * (one socket's 1 MiB held ~450 ms of a 1 000-packet/s stream), and is what this project's
 * machines allow without raising `net.core.rmem_max` (4 MiB there), so the default asks
 * for nothing the kernel caps. Not more: what waits longer in the kernel arrives too late to
 * play (architecture, "UDP sockets").
 */
export const SHARED_PORT_BUFFER_FACTOR = 4;
const MAX_BUFFER_BYTES = 256 * 1024 * 1024;

/** Kernel buffer asked for the shared socket of one thread (0: the kernel's default). */
export function sharedPortBufferBytes(udpBufferBytes: number): number {
  return Math.min(udpBufferBytes * SHARED_PORT_BUFFER_FACTOR, MAX_BUFFER_BYTES);
}

interface SharedPort {
  where: UdpBind;
  bufferBytes: number;
}

/** One thread's marker (and socket) per place to bind: `p<port>` or `r<min>-<max>`. */
function bindKey(where: UdpBind): string {
  return typeof where === "number" ? `p${where}` : `r${where[0]}-${where[1]}`;
}

/**
 * werift's `iceInterfaceAddresses` for connections whose UDP goes through the thread's shared
 * socket, bound on `where`: a fixed port (`RTC_UDP_PORT`), a free port of a range
 * (`RTC_PORT_MIN`–`RTC_PORT_MAX`), or 0 for an ephemeral one. The object is the mark
 * {@link installSharedUdpPort} looks for (werift hands it, by reference, to every
 * `UdpTransport.init` of the connection); its binding address 0.0.0.0 matches no host
 * address, so werift's gathering is unchanged by it.
 */
export function sharedPortInterfaces(where: UdpBind, udpBufferBytes: number): { udp4: string } {
  const key = bindKey(where);
  let marker = markers.get(key);
  if (!marker) {
    marker = { udp4: "0.0.0.0" };
    markers.set(key, marker);
    shared.set(marker, { where, bufferBytes: sharedPortBufferBytes(udpBufferBytes) });
  }
  return marker;
}

const markers = new Map<string, { udp4: string }>();
const shared = new WeakMap<object, SharedPort>();
/** This thread's shared sockets, by where they were asked to bind (one, in an SFU worker). */
const muxes = new Map<string, Promise<UdpMux>>();

/** This thread's mux bound on `where` (see {@link sharedPortInterfaces}), opened on first use. */
export function sharedUdpMux(where: UdpBind, bufferBytes: number): Promise<UdpMux> {
  const key = bindKey(where);
  let mux = muxes.get(key);
  if (!mux) {
    mux = UdpMux.open(where, bufferBytes).then(
      (opened) => {
        trackUdpSocket(opened.socket);
        // It lives as long as the thread; it alone does not keep the thread (or a test) running.
        opened.socket.unref();
        readNatively(opened);
        opened.socket.once("close", () => {
          opened.close();
          muxes.delete(key);
        });
        return opened;
      },
      (error: unknown) => {
        muxes.delete(key);
        throw error;
      },
    );
    muxes.set(key, mux);
  }
  return mux;
}

/** On the thread's native path, the addon reads `mux`'s socket (docs/decisions/0013); idempotent. */
function readNatively(mux: UdpMux): void {
  const native = nativePath();
  if (native) mux.readWith((deliver, media) => NativeReceive.start(native.addon, mux.socket, deliver, native.batch, media));
}

/** A thread's media settings, as far as its shared socket goes. */
interface SharedSettings {
  udpSockets: "shared" | "connection";
  udpPort: number | undefined;
  portRange: readonly [number, number] | undefined;
  udpBufferBytes: number;
}

/** Where the thread's shared socket binds: its fixed port, else a free one of its range, else any. */
export function sharedPortBind(rtc: SharedSettings): UdpBind {
  return rtc.udpPort ?? rtc.portRange ?? 0;
}

/**
 * Opens the thread's shared socket now rather than at its first connection (with
 * `udpSockets` `shared`; else nothing), so the port is bound, and counted among the thread's
 * sockets, from the start. Resolves to the bound port (undefined without the shared socket).
 */
export async function openSharedUdpPort(rtc: SharedSettings & { fastpath: FastPathMode }): Promise<number | undefined> {
  if (rtc.udpSockets !== "shared") return undefined;
  // The path first: on the native one the addon reads the socket from the start, so its
  // duplicate descriptor is there from the start too, like the socket.
  selectFastPath(rtc.fastpath);
  const mux = await sharedUdpMux(sharedPortBind(rtc), sharedPortBufferBytes(rtc.udpBufferBytes));
  return mux.socket.address().port;
}

let installed = false;

/** The parts of werift's StunProtocol the patch reads. */
interface StunLike {
  transport?: unknown;
  localIp?: string;
}

/**
 * Makes werift use the thread's shared socket for connections configured with
 * {@link sharedPortInterfaces}: `UdpTransport.init` hands them a {@link MuxTransport} instead of
 * binding a socket; when ICE pairs a host candidate (`pairLocalProtocol`, right after it is
 * made) the transport learns its connection's ICE agent, whose credentials authenticate the
 * addresses it may receive from; an ICE restart indexes the new ufrag. Other connections (bots,
 * tests, `RTC_UDP_PORT` unset) are untouched. Idempotent.
 */
export function installSharedUdpPort(): void {
  if (installed) return;
  installed = true;
  const statics = UdpTransport as unknown as { init(type: string, options?: { interfaceAddresses?: object }): Promise<unknown> };
  const init = statics.init;
  statics.init = async function (this: unknown, type: string, options: { interfaceAddresses?: object } = {}) {
    const port = options.interfaceAddresses ? shared.get(options.interfaceAddresses) : undefined;
    if (port && type === "udp4") {
      const mux = await sharedUdpMux(port.where, port.bufferBytes);
      // A mux opened before the thread chose its path (not through openSharedUdpPort): chosen by
      // now (SfuPeer, before its peer connection).
      readNatively(mux);
      return mux.transport();
    }
    return init.call(this, type, options);
  };
  const proto = Connection.prototype as unknown as {
    pairLocalProtocol(this: IceAgent, protocol: StunLike): void;
    restart(this: IceAgent & { protocols: StunLike[] }): Promise<void>;
  };
  const pairLocalProtocol = proto.pairLocalProtocol;
  proto.pairLocalProtocol = function (this: IceAgent, protocol: StunLike) {
    const transport = protocol.transport;
    if (transport instanceof MuxTransport) transport.mux.attach(transport, this, protocol.localIp);
    pairLocalProtocol.call(this, protocol);
  };
  const restart = proto.restart;
  proto.restart = async function (this: IceAgent & { protocols: StunLike[] }) {
    await restart.call(this);
    for (const protocol of this.protocols) {
      if (protocol.transport instanceof MuxTransport) protocol.transport.mux.index(this);
    }
  };
}

/**
 * Checks at start that each worker's port (`base` … `base + count - 1`) can be bound, so a port
 * in use fails the start with its number rather than leaving rooms without media.
 */
export async function checkSharedUdpPorts(base: number, count: number): Promise<void> {
  for (let port = base; port < base + count; port++) {
    const socket = createSocket("udp4");
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        socket.bind({ port, address: "0.0.0.0" }, () => resolve());
      });
    } catch (error) {
      throw new Error(`RTC_UDP_PORT: UDP port ${port} cannot be bound (${(error as Error).message})`);
    } finally {
      try {
        socket.close();
      } catch {
        // never bound
      }
    }
  }
}
