/**
 * Confab's optional native fast path (confab_native.c): SRTP AEAD_AES_128_GCM seal and open
 * with one OpenSSL context per key, writing into the caller's buffers, and batched UDP sends
 * with sendmmsg(2). It parses nothing: the TypeScript callers say where the header ends, build
 * the IV and choose the destinations; the addon checks every length and offset it is given.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** One AES-128-GCM key with its encryption and decryption contexts, freed when collected. */
export interface GcmKey {
  readonly __confabGcmKey: never;
}

/** The addon's functions. Every one throws a TypeError/RangeError on a bad argument, never overflows. */
export interface NativeAddon {
  /** Sets up both contexts (key schedule, GHASH key) for a 16-byte key, once. */
  gcmKey(key: Uint8Array): GcmKey;
  /**
   * Writes `header ‖ AES-GCM(payload, aad = header) ‖ tag(16)` at `out[outOffset]` (RFC 7714 §5)
   * and returns its length. `iv` is 12 bytes; `out` must not overlap the inputs.
   */
  seal(key: GcmKey, iv: Uint8Array, header: Uint8Array, payload: Uint8Array, out: Uint8Array, outOffset: number): number;
  /**
   * Authenticates `packet` (its first `headerLength` bytes as AAD, its last 16 the tag) and
   * writes `header ‖ plaintext` at `out[outOffset]`; returns its length (`packet.length − 16`),
   * or −1 when the tag is wrong. `out` may be `packet` itself (in place), no other overlap.
   */
  open(key: GcmKey, iv: Uint8Array, packet: Uint8Array, headerLength: number, out: Uint8Array, outOffset: number): number;
  /**
   * Sends `count` datagrams described by `meta` (per packet {@link SEND_META_FIELDS} int32s:
   * socket fd, offset and length in `data`, IPv4 address as a host-order int32, port; at most
   * 4096 packets), grouped by fd (order kept within each) into sendmmsg(2) calls, never
   * blocking. Returns how many the kernel took; the others (EAGAIN: full send buffer) are dropped.
   */
  sendBatch(meta: Int32Array, count: number, data: Uint8Array): number;
  /**
   * Reads the UDP socket `fd` with recvmmsg(2) on this thread's event loop (a libuv poll handle
   * on a duplicate of `fd`): whenever it is readable, up to {@link RECV_SLOTS} datagrams at a
   * time go into `arena` (datagram i at i × {@link RECV_SLOT_BYTES}) and are described in `meta`
   * ({@link RECV_META_FIELDS} int32s each: length, or −1 for one longer than a slot or not from
   * IPv4; the sender's IPv4 address in host order; its port), then `onDatagrams(count)` runs.
   * The next run reuses `arena`. The caller stops Node's own reading of the socket. Reads until
   * {@link recvStop} or the thread's exit. Absent from an addon built before it existed.
   */
  recvStart?(fd: number, arena: Uint8Array, meta: Int32Array, onDatagrams: (count: number) => void): UdpReceiver;
  /** Stops a receiver and closes its duplicate descriptor; idempotent. */
  recvStop?(receiver: UdpReceiver): void;
  /** 4 for an AF_INET UDP socket's fd, 6 for AF_INET6, 0 for anything else. */
  udpFamily(fd: number): number;
  /**
   * glibc malloc's figures for the whole process, all threads' arenas (mallinfo2): bytes in the
   * arenas, in use, free inside them, in mmapped chunks; undefined where malloc is not glibc ≥ 2.33.
   * Absent from an addon built before it existed.
   */
  mallocStats?(): [arena: number, inUse: number, free: number, mmapped: number] | undefined;
  /** malloc_trim(0): gives the free pages inside every arena back to the system; whether any were. */
  mallocTrim?(): boolean;
}

/** A socket being read by {@link NativeAddon.recvStart}. */
export interface UdpReceiver {
  readonly __confabUdpReceiver: never;
}

/** Datagrams one {@link NativeAddon.recvStart} run delivers at most, the bytes kept of each, and the meta int32s per datagram. */
export const RECV_SLOTS = 32;
export const RECV_SLOT_BYTES = 8192;
export const RECV_META_FIELDS = 3;

/** Int32 fields per packet in {@link NativeAddon.sendBatch}'s `meta`. */
export const SEND_META_FIELDS = 5;

/** The outcome of loading the addon: it, or why not. */
export type NativeLoad = { addon: NativeAddon; path: string } | { addon: undefined; reason: string };

/** Where `npm install` builds the addon (scripts/build.mjs). */
export const DEFAULT_ADDON_PATH = fileURLToPath(new URL("../build/confab_native.node", import.meta.url));

const loaded = new Map<string, NativeLoad>();

/**
 * Loads the addon once per thread and path (`CONFAB_NATIVE_ADDON` overrides the path, e.g. the
 * sanitizer build). Never throws: a missing or broken build is reported as `reason`.
 */
export function loadNative(path: string = process.env.CONFAB_NATIVE_ADDON || DEFAULT_ADDON_PATH): NativeLoad {
  let result = loaded.get(path);
  if (result) return result;
  if (!existsSync(path)) {
    // The usual case without a C compiler: say what to do, not a module-resolution error.
    result = { addon: undefined, reason: `native addon not built: no ${path}; install a C compiler, then run npm run build` };
    loaded.set(path, result);
    return result;
  }
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    if (typeof addon.seal !== "function" || typeof addon.sendBatch !== "function") throw new Error("not Confab's addon");
    result = { addon, path };
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
    result = { addon: undefined, reason: `native addon not loaded (${message})` };
  }
  loaded.set(path, result);
  return result;
}
