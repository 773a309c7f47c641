import type { IncomingMessage, Server as HttpServer } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { WebSocketServer, type WebSocket } from "ws";
import { CloseCode, SIGNALING_PATH } from "@confab/protocol";
import type { ServerConfig } from "../config/config.js";
import type { RoomHost } from "../room/RoomHost.js";
import { PasswordGuard } from "../auth/PasswordGuard.js";
import { clientAddress, untrustedProxy } from "../net/address.js";
import { AddressLimits } from "./AddressLimits.js";
import { allowedHostNames, hostName } from "./hosts.js";
import { Session, type SessionContext } from "./Session.js";

/**
 * Accepts WebSocket upgrades on {@link SIGNALING_PATH} (checking `Origin`), runs one
 * {@link Session} per socket, and drops sockets that stop answering pings.
 */
export class SignalingServer {
  private readonly wss: WebSocketServer;
  private readonly alive = new Map<WebSocket, number>();
  private readonly sessions = new Set<Session>();
  private readonly heartbeat: NodeJS.Timeout;
  /** When the heartbeat last ran: a much later run means this process was stalled. */
  private lastBeat = Date.now();
  private readonly limits: AddressLimits;
  private readonly hostNames: Set<string>;
  private closed = false;
  /** The missing-TRUST_PROXY warning was logged (once per server). */
  private warnedProxy = false;
  private readonly context: SessionContext;

  constructor(
    private readonly config: ServerConfig,
    rooms: RoomHost,
    serverVersion: string,
    private readonly log: Logger,
  ) {
    this.limits = new AddressLimits(config.signaling);
    this.hostNames = allowedHostNames(config);
    this.context = { rooms, config, serverVersion, passwords: new PasswordGuard(), limits: this.limits };
    this.wss = new WebSocketServer({
      noServer: true,
      // Frames up to twice the limit are read, so the client is told TOO_BIG before the close;
      // larger ones are cut off by ws itself (1009, no message).
      maxPayload: 2 * config.signaling.maxFrameBytes,
      perMessageDeflate: false,
    });
    this.wss.on("connection", (ws: WebSocket, req: IncomingMessage, address: string) => this.onConnection(ws, req, address));
    this.heartbeat = setInterval(() => this.checkHeartbeats(), config.signaling.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  /** Routes `upgrade` events of an HTTP(S) server to the signaling endpoint. */
  attach(server: HttpServer): void {
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (req.url ?? "").split("?")[0];
      if (this.closed || path !== SIGNALING_PATH) {
        socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
        return;
      }
      if (!this.originAllowed(req)) {
        this.log.warn({ origin: req.headers.origin }, "rejected WebSocket from foreign origin");
        socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n");
        return;
      }
      const address = clientAddress(req, this.config.signaling.trustProxyHops);
      if (!this.warnedProxy && untrustedProxy(req, this.config.signaling.trustProxyHops)) {
        this.warnedProxy = true;
        this.log.warn(
          "a WebSocket came through a reverse proxy (X-Forwarded-For from loopback) but TRUST_PROXY=0: every client looks like 127.0.0.1 " +
            "and escapes the per-address limits; set TRUST_PROXY to the number of proxies in front (1 for nginx alone)",
        );
      }
      if (!this.limits.openConnection(address)) {
        this.log.warn({ remote: address }, "refused a WebSocket: too many from this address");
        socket.end("HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nRetry-After: 10\r\n\r\n");
        return;
      }
      let counted = true;
      const release = () => {
        if (counted) this.limits.closeConnection(address);
        counted = false;
      };
      socket.once("close", release);
      this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit("connection", ws, req, address));
    });
  }

  get connectionCount(): number {
    return this.alive.size;
  }

  /**
   * The server is shutting down and will close every socket within `closesInMs`: tells every
   * connected client (`draining`), and each one that connects from now on. Idempotent.
   */
  drain(closesInMs: number): void {
    if (this.context.drainingUntil !== undefined) return;
    this.context.drainingUntil = Date.now() + closesInMs;
    for (const session of this.sessions) session.announceDraining();
  }

  /** Closes every socket with {@link CloseCode.SERVER_SHUTDOWN}; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    const sockets = [...this.alive.keys()];
    for (const ws of sockets) ws.close(CloseCode.SERVER_SHUTDOWN, "server shutting down");
    // A client that does not answer the close handshake is not waited for (ws would wait 30 s).
    setTimeout(() => sockets.forEach((ws) => ws.terminate()), 1000).unref();
    this.wss.close();
  }

  /**
   * Browsers always send `Origin`; it must name this host (or an allowed origin) so another
   * web site cannot drive a visitor's session (cross-site WebSocket hijacking). Non-browser
   * clients (bots) send none and are allowed.
   */
  private originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (!origin) return true;
    if (this.config.allowedOrigins.includes(origin)) return true;
    const host = req.headers.host ?? "";
    // DNS rebinding: a foreign page whose name now resolves to us sends a matching Origin and
    // Host, but its name is not one of ours.
    if (!this.hostNames.has(hostName(host))) return false;
    try {
      return new URL(origin).host === host;
    } catch {
      return false;
    }
  }

  private onConnection(ws: WebSocket, _req: IncomingMessage, address: string): void {
    const log = this.log.child({ remote: address });
    const maxBuffered = this.config.signaling.maxBufferedBytes;
    const session = new Session(
      {
        send: (data) => {
          if (ws.readyState !== ws.OPEN) return;
          // A client that does not read its socket must not make the server buffer without end.
          if (ws.bufferedAmount > maxBuffered) {
            log.warn({ buffered: ws.bufferedAmount }, "dropping a socket that does not read what it is sent");
            ws.terminate();
            return;
          }
          ws.send(data);
        },
        close: (code, reason) => ws.close(code, reason),
      },
      this.context,
      address,
      log,
    );
    this.alive.set(ws, Date.now());
    this.sessions.add(session);
    ws.on("pong", () => this.alive.set(ws, Date.now()));
    ws.on("message", (data, isBinary) => {
      this.alive.set(ws, Date.now());
      session.onFrame(Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]), isBinary);
    });
    ws.on("error", (error) => log.debug({ err: error }, "socket error"));
    ws.on("close", () => {
      this.alive.delete(ws);
      this.sessions.delete(session);
      session.onClose();
    });
  }

  /**
   * Pings every socket and drops those silent for longer than the timeout. When this process
   * itself was stalled (the beat comes far later than scheduled: a paused process, a long GC),
   * the silence is ours, not theirs: everyone gets a fresh timeout instead of being dropped.
   */
  private checkHeartbeats(): void {
    const now = Date.now();
    const interval = this.config.signaling.heartbeatIntervalMs;
    const late = now - this.lastBeat - interval;
    const stalled = late > interval;
    this.lastBeat = now;
    if (stalled) {
      this.log.warn({ lateMs: late }, "the server was stalled; no socket is dropped for it");
      for (const ws of this.alive.keys()) this.alive.set(ws, now);
    }
    for (const [ws, last] of this.alive) {
      if (now - last > this.config.signaling.heartbeatTimeoutMs) {
        this.alive.delete(ws);
        ws.terminate();
        continue;
      }
      ws.ping();
    }
  }
}
