import type { Socket } from "node:dgram";

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
 */
export class DirectSend {
  private pair: WeriftCandidatePair | undefined;
  private socket: Socket | undefined;
  private port = 0;
  private address = "";

  /** `connection`: werift's `iceTransport.connection` of the transport to send on. */
  constructor(private readonly connection: unknown) {}

  /** Sends one datagram; drops it when the connection cannot send (as werift does). Never throws. */
  send(data: Buffer): void {
    const connection = this.connection as WeriftIceConnection;
    const pair = connection.nominated;
    if (pair !== this.pair) this.adopt(pair);
    const socket = this.socket;
    if (!socket || !pair || connection.state === "closed" || connection.state === "failed" || pair.protocol.transport?.closed) {
      connection.send(data).catch(() => undefined);
      return;
    }
    try {
      socket.send(data, this.port, this.address);
    } catch {
      return; // the socket closed under us: the transport is going away
    }
    pair.packetsSent++;
    pair.bytesSent += data.length;
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
  }
}
