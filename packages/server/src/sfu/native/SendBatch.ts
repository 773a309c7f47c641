import { Buffer } from "node:buffer";
import { SEND_META_FIELDS, type NativeAddon } from "@confab/native";
import { forwardingStats } from "../stats.js";
import type { DgramState } from "./dgramState.js";

/** Bytes of sealed packets one batch holds: ~900 full-size packets (e.g. 30 publisher packets to 30 receivers). */
const ARENA_BYTES = 1024 * 1024;
/** Packets one batch holds (the addon takes up to 4096 a call). */
const MAX_PACKETS = 2048;

/**
 * The packets this thread sends in one turn of its event loop, handed to the kernel in one
 * native call when the turn's I/O is done: every publisher packet read in the turn is sealed
 * for every receiver into one arena, and the addon sends each socket's share with one
 * sendmmsg(2) — instead of one `dgram` send (a JS→C++ call, a request object, one system
 * call) per packet and receiver. werift has a socket per peer connection, so a call carries
 * one receiver's packets of the turn (its packets of the publisher packets that arrived
 * together), not a whole fan-out. The flush runs at the end of the native receive's run of
 * datagrams ({@link hold}), or else in the loop's check phase (`setImmediate`, for sends from
 * timers and from Node's own reading), right after the poll phase that read the packets: a
 * packet waits at most for the rest of that run's or turn's reads, never for a timer, and a
 * receiver gets together only what arrived together.
 *
 * The arena is reused only after a flush, so a packet's memory stays untouched until the
 * kernel has copied it. A packet the kernel refuses (full send buffer: EAGAIN) is dropped and
 * counted in {@link dropped} (and `forwardingStats.sendsDropped`), as the kernel itself drops
 * on a full receive buffer. A packet whose socket was closed between its queueing and the
 * flush is dropped too, before the addon sees it: the closed socket's descriptor number may
 * already belong to a socket or file opened later in the same turn.
 */
export class SendBatch {
  /** Where packets are sealed and queued (its own ArrayBuffer: offsets are `byteOffset`s in it). */
  readonly data = Buffer.allocUnsafeSlow(ARENA_BYTES);
  private readonly meta = new Int32Array(MAX_PACKETS * SEND_META_FIELDS);
  /** The socket of each queued packet, checked for closing at the flush. */
  private readonly owners: (DgramState | undefined)[] = new Array<DgramState | undefined>(MAX_PACKETS).fill(undefined);
  private used = 0;
  private count = 0;
  private scheduled = false;
  /** Packets handed to the kernel. */
  sent = 0;
  /** Packets the kernel refused (dropped). */
  dropped = 0;

  constructor(private readonly addon: NativeAddon) {}

  /**
   * Where `bytes` can be written in {@link data} (flushing what is queued first if they do not
   * fit). Call {@link claim} with what was written before the next `room`.
   */
  room(bytes: number): number {
    if (this.used + bytes > this.data.length) this.flush();
    if (bytes > this.data.length) throw new RangeError(`packet of ${bytes} bytes exceeds the send arena`);
    return this.used;
  }

  /** Marks `length` bytes at `offset` (from {@link room}) as holding a packet. */
  claim(offset: number, length: number): void {
    this.used = Math.max(this.used, offset + length);
  }

  /**
   * {@link claim}s `length` bytes at `offset` and returns a view of them, remembered so that
   * queueing that very view knows it is in the arena without asking V8 for its ArrayBuffer
   * (a runtime call per packet).
   */
  claimView(offset: number, length: number): Buffer {
    this.claim(offset, length);
    const view = this.data.subarray(offset, offset + length);
    this.lastView = view;
    return view;
  }

  private lastView: Buffer | undefined;

  /** Whether `data` lies in this batch's arena (a packet sealed by {@link room}/{@link claim}). */
  holds(data: Buffer): boolean {
    return data === this.lastView || data.buffer === this.data.buffer;
  }

  /**
   * Queues one datagram to `ipv4:port` (the address as a host-order 32-bit integer) on the
   * socket `owner` (a `dgram` socket's state, see {@link dgramState}) whose descriptor is `fd`.
   * `data` in the arena is queued where it is; any other buffer is copied in.
   */
  queue(owner: DgramState, fd: number, data: Buffer, ipv4: number, port: number): void {
    let offset: number;
    if (this.holds(data)) {
      offset = data.byteOffset;
    } else {
      offset = this.room(data.length);
      data.copy(this.data, offset);
      this.claim(offset, data.length);
    }
    if (this.count === MAX_PACKETS) this.flushQueued();
    const meta = this.meta;
    const at = this.count * SEND_META_FIELDS;
    meta[at] = fd;
    meta[at + 1] = offset;
    meta[at + 2] = data.length;
    meta[at + 3] = ipv4 | 0;
    meta[at + 4] = port;
    this.owners[this.count] = owner;
    this.count++;
    if (!this.scheduled && this.held === 0) {
      this.scheduled = true;
      setImmediate(this.flushLater);
    }
  }

  /**
   * Queues without scheduling a flush until the matching {@link release}: the native receive
   * holds the batch for a run of datagrams, so the sends they cause go out in one call at the
   * run's end, without a `setImmediate` per turn. Calls nest.
   */
  hold(): void {
    this.held++;
  }

  /** Ends a {@link hold}; the outermost one sends what was queued (and anything queued before it). */
  release(): void {
    if (this.held === 0) return;
    this.held--;
    if (this.held === 0 && this.count > 0) this.flush();
  }

  private held = 0;

  /** Sends everything queued now and frees the arena. */
  flush(): void {
    this.flushQueued();
    this.used = 0;
    this.lastView = undefined;
  }

  private readonly flushLater = (): void => {
    this.scheduled = false;
    this.flush();
  };

  private flushQueued(): void {
    const count = this.count;
    if (count === 0) return;
    this.count = 0;
    const { meta, owners } = this;
    for (let i = 0; i < count; i++) {
      // Node clears a dgram socket's handle when it closes (and libuv closes the fd at once).
      if (!owners[i]!.handle) meta[i * SEND_META_FIELDS] = -1;
      owners[i] = undefined;
    }
    const sent = this.addon.sendBatch(meta, count, this.data);
    this.sent += sent;
    this.dropped += count - sent;
    forwardingStats.sendsDropped += count - sent;
  }
}
