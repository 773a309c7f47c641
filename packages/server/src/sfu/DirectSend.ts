import { Buffer } from "node:buffer";
import type { Socket } from "node:dgram";
import { dgramState, socketFd, type DgramState } from "./native/dgramState.js";
import type { NativePath } from "./native/fastPath.js";

/** The parts of werift's ICE connection this path reads (not in werift's typed API). */
interface WeriftCandidatePair {
  protocol: { type: string; transport?: { socket?: Socket; closed?: boolean } };
  remoteAddr: [string, number];
  packetsSent: number;
  bytesSent: number;
}
interface WeriftIceConnection {
  nominated?: WeriftCandidatePair;
  state: string;
  send(data: Buffer): Promise<void>;
}

/**
 * Sends datagrams on an ICE connection's nominated candidate pair with one `dgram` send and no
 * promise. werift's own path runs three nested async functions per packet (Connection.send →
 * StunProtocol.sendData → UdpTransport.send), which for an SFU sending tens of thousands of
 * packets a second is a promise chain per packet. The counters werift keeps per pair (stats)
 * are kept the same way. A pair that is not plain UDP (a TURN relay) goes through werift.
 *
 * With a {@link NativePath}, a pair on an IPv4 socket is sent through the thread's
 * {@link SendBatch} on the socket's file descriptor instead (one sendmmsg per socket and
 * event-loop turn, bypassing libuv; the socket stays libuv's for receiving and for werift's
 * own sends). Other pairs, IPv6 ones, keep `dgram`.
 */
export class DirectSend {
  private pair: WeriftCandidatePair | undefined;
  private socket: Socket | undefined;
  private port = 0;
  private address = "";
  /** The socket's fd and the destination as an integer, when the native batch can send (else -1). */
  private fd = -1;
  private ipv4 = 0;
  private state: DgramState | undefined;

  /**
   * `connection`: werift's `iceTransport.connection` of the transport to send on; `native`:
   * the thread's native path (undefined: `dgram`).
   */
  constructor(
    private readonly connection: unknown,
    private readonly native?: NativePath,
  ) {}

  /** Sends one datagram; drops it when the connection cannot send (as werift does). Never throws. */
  send(data: Buffer): void {
    const connection = this.connection as WeriftIceConnection;
    const pair = connection.nominated;
    if (pair !== this.pair) this.adopt(pair);
    const socket = this.socket;
    if (!socket || !pair || connection.state === "closed" || connection.state === "failed" || pair.protocol.transport?.closed) {
      connection.send(this.owned(data)).catch(() => undefined);
      return;
    }
    if (this.fd >= 0) {
      this.native!.batch.queue(this.state!, this.fd, data, this.ipv4, this.port);
    } else {
      try {
        socket.send(this.owned(data), this.port, this.address);
      } catch {
        return; // the socket closed under us: the transport is going away
      }
    }
    pair.packetsSent++;
    pair.bytesSent += data.length;
  }

  /**
   * `data` itself, or a copy when it lies in the native batch's arena: `dgram` and werift may
   * read it after this turn (a queued send), when the arena holds other packets.
   */
  private owned(data: Buffer): Buffer {
    return this.native?.batch.holds(data) ? Buffer.from(data) : data;
  }

  /** Looks at a newly nominated pair (ICE may nominate another one later). */
  private adopt(pair: WeriftCandidatePair | undefined): void {
    this.pair = pair;
    const socket = pair?.protocol.type === "stun" ? pair.protocol.transport?.socket : undefined;
    const [address, port] = pair?.remoteAddr ?? ["", 0];
    // Only a socket werift drives with literal addresses (no DNS lookup on our side).
    this.socket = socket && typeof socket.send === "function" && typeof port === "number" && address ? socket : undefined;
    this.address = address;
    this.port = port;
    this.fd = -1;
    this.state = undefined;
    const ipv4 = parseIpv4(address);
    const state = this.socket && this.native && ipv4 !== undefined ? dgramState(this.socket) : undefined;
    const fd = state ? socketFd(this.socket!) : -1;
    if (fd >= 0 && this.native!.addon.udpFamily(fd) === 4) {
      this.fd = fd;
      this.ipv4 = ipv4!;
      this.state = state;
    }
  }
}

/** A dotted-quad IPv4 literal as a 32-bit integer (host order); undefined for anything else. */
export function parseIpv4(address: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (!m) return undefined;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value | 0;
}
