import { createSocket, type Socket } from "node:dgram";
import { isIP } from "node:net";
import { parseMessage } from "werift";
import { authenticRequest, localUfragOf, type IceAgent } from "./iceRequestGuard.js";
import { parseIpv4 } from "./DirectSend.js";
import type { MediaSink } from "./mediaShortcut.js";
import { iceGuardStats, sharedPortStats } from "./stats.js";
import { tuneUdpSocket } from "./udpSockets.js";

/**
 * Remote addresses one ICE connection may have bound at once (its checks from several
 * interfaces, a NAT rebinding, an ICE restart from a new network); past it the oldest goes.
 */
export const MAX_ADDRESSES_PER_CONNECTION = 8;

/** Outstanding STUN requests remembered to route their responses (oldest forgotten first). */
export const MAX_PENDING_TRANSACTIONS = 4096;

/** Where a shared socket binds: a port (0: ephemeral), or a free port of `[min, max]`. */
export type UdpBind = number | readonly [min: number, max: number];

/** A UDP socket bound on `port` of `host`; rejects with the bind error. */
async function bindUdp(port: number, host: string): Promise<Socket> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => {
      try {
        socket.close();
      } catch {
        // never bound
      }
      reject(error);
    };
    socket.once("error", failed);
    socket.bind({ port, address: host }, () => {
      socket.off("error", failed);
      resolve();
    });
  });
  return socket;
}

/**
 * A UDP socket on the first port of `[min, max]` that can be bound, trying from a random one
 * (as werift does for its per-connection sockets, so two servers sharing a range spread out);
 * rejects once every port was tried.
 */
async function bindInRange([min, max]: readonly [number, number], host: string): Promise<Socket> {
  const span = max - min + 1;
  const start = Math.floor(Math.random() * span);
  let last: unknown;
  for (let i = 0; i < span; i++) {
    try {
      return await bindUdp(min + ((start + i) % span), host);
    } catch (error) {
      last = error;
    }
  }
  throw new Error(`no free UDP port in ${min}-${max} (${(last as Error | undefined)?.message ?? "empty range"})`);
}

/** The ICE connection behind one or more {@link MuxTransport}s (one per host address it offers). */
interface IceGroup {
  agent: IceAgent;
  transports: MuxTransport[];
  /** Remote addresses routed to this connection, oldest first. */
  addresses: [string, number][];
  /** Local ufrags indexed for it (current and from before ICE restarts). */
  ufrags: string[];
}

/**
 * One UDP socket carrying the media of every ICE connection of a thread (`RTC_UDP_PORT`), so an
 * operator opens one port per SFU worker instead of a range. Each connection gets a
 * {@link MuxTransport} shaped like werift's `UdpTransport`; datagrams are routed to it by remote
 * `ip:port`, one `Map` lookup per packet.
 *
 * A remote address is bound to a connection only by a STUN Binding request whose USERNAME
 * starts with a local ufrag of that connection **and** whose MESSAGE-INTEGRITY verifies with
 * its ICE password (RFC 8445 §7.3, the same check as iceRequestGuard): knowing a ufrag (it is
 * in the SDP) is not enough to steal someone's media path. A verified request from an address
 * bound elsewhere moves it (a NAT gave the port to someone else). STUN responses are routed by
 * transaction ID to the transport that sent the request. Anything else from an unbound address
 * is dropped and counted (`iceGuardStats.sharedPortDatagramsDropped`).
 */
export class UdpMux {
  /** Remote address → port → transport; nested so a lookup allocates nothing. */
  private readonly routes = new Map<string, Map<number, MuxTransport>>();
  /**
   * The IPv4 routes again, by port and then address as a host-order integer: the native
   * receive's lookup for media ({@link receiveMedia}), with no address string. (Keyed by port
   * first: a port is a small integer, an IPv4 address above 2^30 a heap number in V8.)
   */
  private readonly routesV4 = new Map<number, { ipv4: number; transport: MuxTransport }[]>();
  private readonly groups = new Map<IceAgent, IceGroup>();
  private readonly byUfrag = new Map<string, IceGroup[]>();
  /** STUN transaction ID (12 bytes as latin1) → the transport that sent the request. */
  private readonly transactions = new Map<string, MuxTransport>();
  private closed = false;
  /** What reads the socket instead of its `message` events (the addon's recvmmsg), once started. */
  private reader: { close(): void } | undefined;

  constructor(readonly socket: Socket) {
    socket.on("message", (data, info) => this.receive(data, info.address, info.port));
  }

  /**
   * Binds a socket on `where` (a port, 0 for an ephemeral one, or the first free port of a
   * range from a random start) on all IPv4 interfaces, with `bufferBytes` of kernel buffer.
   */
  static async open(where: UdpBind, bufferBytes: number, host = "0.0.0.0"): Promise<UdpMux> {
    const socket = typeof where === "number" ? await bindUdp(where, host) : await bindInRange(where, host);
    tuneUdpSocket(socket, bufferBytes);
    // A send error (ICMP unreachable surfaced by the kernel) must not kill the thread.
    socket.on("error", () => undefined);
    return new UdpMux(socket);
  }

  /**
   * Hands the reading of the socket to what `open` starts (given where datagrams go, and where
   * media may go first: {@link receiveMedia}), when it starts one; its `close` runs when the mux
   * closes. Only the first call does anything.
   */
  readWith(
    open: (
      deliver: (data: Buffer, address: string, port: number) => void,
      media: (data: Buffer, ipv4: number, port: number, borrowed: boolean) => boolean,
    ) => { close(): void } | undefined,
  ): void {
    if (this.closed || this.reader) return;
    this.reader = open(
      (data, address, port) => this.receive(data, address, port),
      (data, ipv4, port, borrowed) => this.receiveMedia(data, ipv4, port, borrowed),
    ) ?? { close: () => undefined };
  }

  /** A new transport for one ICE host candidate; routed to once {@link attach}ed. */
  transport(): MuxTransport {
    return new MuxTransport(this);
  }

  /** Ties `transport` to the ICE agent using it (`localIp`: the host address it is offered on). */
  attach(transport: MuxTransport, agent: IceAgent, localIp: string | undefined): void {
    if (transport.closed || this.closed) return;
    let group = this.groups.get(agent);
    if (!group) {
      group = { agent, transports: [], addresses: [], ufrags: [] };
      this.groups.set(agent, group);
    }
    transport.group = group;
    transport.loopback = localIp?.startsWith("127.") ?? false;
    if (!group.transports.includes(transport)) group.transports.push(transport);
    this.index(agent);
  }

  /** Indexes the agent's current ufrag (after an ICE restart gave it a new one). */
  index(agent: IceAgent): void {
    const group = this.groups.get(agent);
    if (!group) return;
    for (const ufrag of [agent.localUsername, ...Object.keys(agent.userHistory)]) {
      if (group.ufrags.includes(ufrag)) continue;
      group.ufrags.push(ufrag);
      const list = this.byUfrag.get(ufrag);
      if (list) list.push(group);
      else this.byUfrag.set(ufrag, [group]);
    }
  }

  /** Remote addresses routed now (tests and diagnostics). */
  get routeCount(): number {
    let count = 0;
    for (const ports of this.routes.values()) count += ports.size;
    return count;
  }

  /** ICE connections with an open transport on this socket. */
  get connectionCount(): number {
    return this.groups.size;
  }

  /** Where a datagram from `address:port` goes now (tests). */
  routeOf(address: string, port: number): MuxTransport | undefined {
    return this.routes.get(address)?.get(port);
  }

  /** Closes the socket; every transport stops receiving. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    sharedPortStats.addresses -= this.routeCount;
    this.routes.clear();
    this.routesV4.clear();
    this.groups.clear();
    this.byUfrag.clear();
    this.transactions.clear();
    this.reader?.close();
    try {
      this.socket.close();
    } catch {
      // closed already (closeUdpSockets)
    }
  }

  /** Remembers that `transport` sent the STUN request in `data`, to route the response. */
  sent(transport: MuxTransport, data: Buffer): void {
    // A STUN request (RFC 7983 §7: first byte 0–3; RFC 5389 §6: class bits 00, the magic cookie).
    if (data.length < 20 || data[0]! > 3 || (data[0]! & 0x01) !== 0 || (data[1]! & 0x10) !== 0 || data.readUInt32BE(4) !== 0x2112a442) return;
    const key = data.toString("latin1", 8, 20);
    this.transactions.delete(key);
    this.transactions.set(key, transport);
    if (this.transactions.size > MAX_PENDING_TRANSACTIONS) {
      const oldest = this.transactions.keys().next().value;
      if (oldest !== undefined) this.transactions.delete(oldest);
    }
  }

  /** Forgets a closed transport: its routes, its transactions, and its connection when it was the last. */
  release(transport: MuxTransport): void {
    for (const [key, owner] of this.transactions) if (owner === transport) this.transactions.delete(key);
    const group = transport.group;
    if (!group) return;
    transport.group = undefined;
    group.transports = group.transports.filter((t) => t !== transport);
    for (const [address, port] of group.addresses) {
      if (this.routeOf(address, port) === transport) this.unroute(address, port);
    }
    if (group.transports.length > 0) {
      // Its connection lives on (another host candidate): its next verified check binds again.
      group.addresses = group.addresses.filter(([address, port]) => this.routeOf(address, port) !== undefined);
      return;
    }
    group.addresses = [];
    this.groups.delete(group.agent);
    for (const ufrag of group.ufrags) {
      const list = this.byUfrag.get(ufrag)?.filter((g) => g !== group);
      if (list && list.length > 0) this.byUfrag.set(ufrag, list);
      else this.byUfrag.delete(ufrag);
    }
  }

  /**
   * An SRTP packet (RFC 7983 §7 and RFC 5761 §4: first byte 128–191, second byte not an RTCP
   * packet type) from `ipv4:port` (host-order integer) to its connection's {@link MediaSink},
   * when the address is routed and the sink takes it; false: anything else, left to
   * {@link receive}. `borrowed`: `data` is reused by the caller after the call.
   */
  receiveMedia(data: Buffer, ipv4: number, port: number, borrowed: boolean): boolean {
    if (!isSrtp(data)) return false;
    const routes = this.routesV4.get(port);
    if (routes === undefined) return false;
    for (let i = 0; i < routes.length; i++) {
      const route = routes[i]!;
      if (route.ipv4 !== ipv4) continue;
      const media = route.transport.media;
      return media !== undefined && !route.transport.closed && media(data, borrowed);
    }
    return false;
  }

  private receive(data: Buffer, address: string, port: number): void {
    const route = this.routes.get(address)?.get(port);
    if (route?.media !== undefined && isSrtp(data) && route.media(data, false)) return;
    // RFC 7983 §7: a first byte of 0–3 is STUN; DTLS, RTP and RTCP only go to a bound address.
    if (data.length >= 20 && data[0]! < 4) {
      const cls = ((data[0]! & 0x01) << 1) | ((data[1]! >> 4) & 0x01);
      if (cls >= 2) {
        // A response (success or error): to whoever sent the request, wherever it comes from.
        const sender = this.transactions.get(data.toString("latin1", 8, 20));
        if (sender && !sender.closed) return deliver(sender, data, address, port);
      } else if (cls === 0) {
        return this.request(data, address, port, route);
      }
    }
    if (route) return deliver(route, data, address, port);
    iceGuardStats.sharedPortDatagramsDropped++;
  }

  /** A STUN request: to the bound connection when it names it, else bind its sender if it authenticates. */
  private request(data: Buffer, address: string, port: number, route: MuxTransport | undefined): void {
    const message = parseMessage(data);
    const ufrag = message ? localUfragOf(message) : undefined;
    const groups = ufrag === undefined ? undefined : this.byUfrag.get(ufrag);
    if (!message || !groups) {
      iceGuardStats.sharedPortDatagramsDropped++;
      return;
    }
    // Consent checks from the bound address: werift's guard verifies them.
    if (route?.group && groups.includes(route.group)) return deliver(route, data, address, port);
    // 4 hex characters of ufrag collide now and then: the password tells the connections apart.
    const group = groups.find((g) => authenticRequest(g.agent, message, data));
    if (!group) {
      iceGuardStats.stunRequestsDropped++;
      return;
    }
    const transport = this.bind(group, address, port);
    if (transport) deliver(transport, data, address, port);
  }

  /** Routes `address:port` to `group` (taking it from any other connection). */
  private bind(group: IceGroup, address: string, port: number): MuxTransport | undefined {
    // The transport offered on loopback for a loopback peer, else the first other one: which
    // host candidate the datagram was sent to is not known (one socket on 0.0.0.0), and any of
    // them answers the same way.
    const loopback = address.startsWith("127.");
    const transport = group.transports.find((t) => t.loopback === loopback) ?? group.transports[0];
    if (!transport) return undefined;
    const previous = this.routeOf(address, port)?.group;
    if (previous && previous !== group) {
      previous.addresses = previous.addresses.filter(([a, p]) => a !== address || p !== port);
    }
    let ports = this.routes.get(address);
    if (!ports) this.routes.set(address, (ports = new Map()));
    if (!ports.has(port)) sharedPortStats.addresses++;
    ports.set(port, transport);
    const ipv4 = parseIpv4(address);
    if (ipv4 !== undefined) {
      const v4 = this.routesV4.get(port)?.filter((r) => r.ipv4 !== ipv4) ?? [];
      v4.push({ ipv4, transport });
      this.routesV4.set(port, v4);
    }
    if (!group.addresses.some(([a, p]) => a === address && p === port)) group.addresses.push([address, port]);
    while (group.addresses.length > MAX_ADDRESSES_PER_CONNECTION) {
      const [oldAddress, oldPort] = group.addresses.shift()!;
      if (this.routeOf(oldAddress, oldPort)?.group === group) this.unroute(oldAddress, oldPort);
    }
    return transport;
  }

  private unroute(address: string, port: number): void {
    const ports = this.routes.get(address);
    if (ports?.delete(port)) sharedPortStats.addresses--;
    if (ports?.size === 0) this.routes.delete(address);
    const ipv4 = parseIpv4(address);
    const v4 = this.routesV4.get(port);
    if (ipv4 === undefined || !v4) return;
    const rest = v4.filter((r) => r.ipv4 !== ipv4);
    if (rest.length > 0) this.routesV4.set(port, rest);
    else this.routesV4.delete(port);
  }
}

/** RFC 7983 §7: RTP or RTCP (first byte 128–191); RFC 5761 §4, as werift's `isRtcp`: not RTCP. */
function isSrtp(data: Buffer): boolean {
  if (data.length < 2) return false;
  const first = data[0]!;
  const second = data[1]!;
  return first > 127 && first < 192 && (second < 192 || second > 208);
}

function deliver(transport: MuxTransport, data: Buffer, address: string, port: number): void {
  try {
    transport.onData(data, [address, port]);
  } catch {
    // werift's UdpTransport swallows a handler's error the same way: one bad packet, not the socket.
  }
}

/**
 * One ICE host candidate's view of the shared socket, with werift's `UdpTransport` shape
 * (`send`, `onData`, `close`, `address`, `socket`): sends go out on the shared socket, and
 * `close()` only unregisters (the socket serves the other connections).
 */
export class MuxTransport {
  readonly type = "udp";
  closed = false;
  /** Set by werift's StunProtocol: where received datagrams go. */
  onData: (data: Buffer, addr: [string, number]) => void = () => undefined;
  /** @internal the connection it belongs to, once attached. */
  group: IceGroup | undefined;
  /** @internal whether its host candidate is a loopback address. */
  loopback = false;
  /** Where its SRTP packets go once its connection's DTLS transport started SRTP (mediaShortcut). */
  media: MediaSink | undefined;

  constructor(readonly mux: UdpMux) {}

  /** The shared socket (DirectSend and the native path send on it). */
  get socket(): Socket {
    return this.mux.socket;
  }

  get address(): { address: string; port: number; family: string } {
    return this.mux.socket.address();
  }

  get addressFamily(): number {
    return 4;
  }

  get host(): string {
    return this.address.address;
  }

  get port(): number {
    return this.address.port;
  }

  readonly send = async (data: Buffer, addr?: readonly [string, number]): Promise<void> => {
    if (this.closed || !addr) return;
    this.mux.sent(this, data);
    const [address, port] = addr;
    if (isIP(address) === 0) {
      // A host name (werift's STUN server): dgram looks it up; report a failed lookup as werift does.
      await new Promise<void>((resolve, reject) => this.socket.send(data, port, address, (error) => (error ? reject(error) : resolve())));
      return;
    }
    try {
      this.socket.send(data, port, address);
    } catch {
      // the shared socket closed (the thread is ending)
    }
  };

  readonly close = async (): Promise<void> => {
    if (this.closed) return;
    this.closed = true;
    this.media = undefined;
    this.mux.release(this);
  };
}
