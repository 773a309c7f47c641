import { Buffer } from "node:buffer";
import type { Socket } from "node:dgram";
import { RECV_META_FIELDS, RECV_SLOT_BYTES, RECV_SLOTS, type NativeAddon, type UdpReceiver } from "@confab/native";
import { iceGuardStats } from "../stats.js";
import { dgramState } from "./dgramState.js";
import type { SendBatch } from "./SendBatch.js";

/** Where a received datagram goes: its bytes (a copy, the caller's to keep) and its sender. */
export type DatagramHandler = (data: Buffer, address: string, port: number) => void;

/**
 * Where an RTP or RTCP datagram (first byte 128–191) may go first: a view of the arena
 * (`borrowed`: reused after the call), its sender as a host-order IPv4 integer (signed 32-bit)
 * and port; false: not taken, it goes to the {@link DatagramHandler} as a copy.
 */
export type MediaHandler = (data: Buffer, ipv4: number, port: number, borrowed: true) => boolean;

/** Sender addresses whose dotted form is kept (a thread's peers); past it the cache starts over. */
const MAX_NAMES = 4096;

/** The libuv handle under a `dgram` socket, as far as stopping its reading goes (not in Node's typed API). */
interface ReadingHandle {
  fd?: unknown;
  recvStop?: () => unknown;
}

/**
 * Reads a bound `dgram` socket with the addon's recvmmsg(2) instead of Node's `message` events
 * (docs/decisions/0013): Node makes a Buffer, an address object with a new address string, and
 * a JavaScript callback per datagram (a tenth of the SFU worker at `fanout-10`, most of it per
 * publisher packet); the addon reads up to 32 datagrams per system call into one arena and calls
 * here once per run. Each datagram is copied out of the arena (the next run reuses it) into a
 * pooled Buffer; sender addresses are turned into strings once and cached. Given the thread's
 * {@link SendBatch}, a run holds it: what the run's datagrams make the thread send (their
 * fan-out, retransmissions) goes out in one native call at the run's end.
 *
 * Sends still go through the socket (dgram, or the addon's sendmmsg on its descriptor): the
 * addon reads a duplicate of the descriptor, so Node's handle and the addon's poll handle are
 * two registrations with the event loop that never clash. A datagram longer than the addon's
 * slot (8 KiB, none of ICE, DTLS, RTP or RTCP here is) or not from IPv4 is dropped and counted
 * with the shared socket's other dropped datagrams.
 */
export class NativeReceive {
  private readonly arena = Buffer.alloc(RECV_SLOTS * RECV_SLOT_BYTES);
  private readonly meta = new Int32Array(RECV_SLOTS * RECV_META_FIELDS);
  private readonly names = new Map<number, string>();
  private receiver: UdpReceiver | undefined;

  private constructor(
    private readonly addon: NativeAddon,
    private readonly deliver: DatagramHandler,
    private readonly batch: SendBatch | undefined,
    private readonly media: MediaHandler | undefined,
  ) {}

  /**
   * Starts reading `socket` (bound) natively and stops Node's reading of it; undefined (Node
   * keeps reading) when the addon has no receive or the socket's handle is not what it expects.
   */
  static start(addon: NativeAddon, socket: Socket, deliver: DatagramHandler, batch?: SendBatch, media?: MediaHandler): NativeReceive | undefined {
    const handle = dgramState(socket)?.handle as ReadingHandle | null | undefined;
    const fd = handle?.fd;
    if (!addon.recvStart || !addon.recvStop || typeof fd !== "number" || fd < 0 || typeof handle?.recvStop !== "function") return undefined;
    const receive = new NativeReceive(addon, deliver, batch, media);
    try {
      receive.receiver = addon.recvStart(fd, receive.arena, receive.meta, receive.onDatagrams);
    } catch {
      return undefined;
    }
    // From here the addon reads; a datagram Node had already read was delivered as before.
    handle.recvStop.call(handle);
    return receive;
  }

  /** Stops reading (the duplicate descriptor is closed at the loop's next turn); idempotent. */
  close(): void {
    const receiver = this.receiver;
    if (!receiver) return;
    this.receiver = undefined;
    this.addon.recvStop!(receiver);
  }

  private readonly onDatagrams = (count: number): void => {
    const batch = this.batch;
    if (batch === undefined) return this.receiveRun(count);
    batch.hold();
    try {
      this.receiveRun(count);
    } finally {
      batch.release();
    }
  };

  private receiveRun(count: number): void {
    const { meta, arena, media } = this;
    for (let i = 0; i < count; i++) {
      const at = i * RECV_META_FIELDS;
      const length = meta[at]!;
      if (length < 0) {
        iceGuardStats.sharedPortDatagramsDropped++;
        continue;
      }
      const start = i * RECV_SLOT_BYTES;
      const first = arena[start]!;
      try {
        if (media !== undefined && length > 0 && first > 127 && first < 192 && media(arena.subarray(start, start + length), meta[at + 1]!, meta[at + 2]!, true)) continue;
      } catch {
        continue;
      }
      const data = Buffer.allocUnsafe(length);
      arena.copy(data, 0, start, start + length);
      try {
        this.deliver(data, this.name(meta[at + 1]! >>> 0), meta[at + 2]!);
      } catch {
        // One bad datagram, not the socket (as dgram's listeners are guarded by the mux).
      }
    }
  }

  /** The dotted form of a host-order IPv4 address. */
  private name(ipv4: number): string {
    let name = this.names.get(ipv4);
    if (name === undefined) {
      if (this.names.size >= MAX_NAMES) this.names.clear();
      name = `${ipv4 >>> 24}.${(ipv4 >>> 16) & 0xff}.${(ipv4 >>> 8) & 0xff}.${ipv4 & 0xff}`;
      this.names.set(ipv4, name);
    }
    return name;
  }
}
