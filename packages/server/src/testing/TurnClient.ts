import dgram from "node:dgram";
import net from "node:net";
import tls from "node:tls";
import {
  StunAttr,
  StunMethod,
  attr,
  decodeStun,
  encodeStun,
  errorCode,
  longTermKey,
  readXorAddress,
  transactionId,
  xorAddress,
  type StunAddress,
  type StunMessage,
} from "../net/stun.js";

/** How a {@link TurnClient} reaches the server. */
export type TurnTransport = "udp" | "tcp" | "tls";

/** The outcome of a request: success, or the server's error code. */
export type TurnResult = { ok: true; message: StunMessage } | { ok: false; code: number | undefined };

/**
 * A minimal TURN client (RFC 8656) for tests: Allocate with long-term credentials, then
 * Refresh, CreatePermission and Send. Just enough to ask a real coturn what it allows; no
 * channels.
 */
export class TurnClient {
  private readonly pending = new Map<string, (message: StunMessage) => void>();
  private key: Buffer | undefined;
  private realm = "";
  private nonce = "";
  private username = "";
  private tcpBuffer = Buffer.alloc(0);
  private closed = false;

  private constructor(
    private readonly sendRaw: (data: Buffer) => void,
    private readonly closeRaw: () => void,
    /** UDP loses requests, so they are sent again; a stream does not. */
    private readonly lossy: boolean,
  ) {}

  /** Connects to a TURN server at `server` over `transport`. */
  static async connect(server: StunAddress, transport: TurnTransport): Promise<TurnClient> {
    if (transport === "udp") {
      const socket = dgram.createSocket("udp4");
      await new Promise<void>((resolve) => socket.bind(0, resolve));
      const client = new TurnClient(
        (data) => socket.send(data, server.port, server.address),
        () => socket.close(),
        true,
      );
      socket.on("message", (data) => client.receive(data));
      return client;
    }
    const stream =
      transport === "tcp"
        ? net.connect(server.port, server.address)
        : tls.connect({ port: server.port, host: server.address, rejectUnauthorized: false, servername: "turn.confab.test" });
    await new Promise<void>((resolve, reject) => {
      stream.once(transport === "tcp" ? "connect" : "secureConnect", () => resolve());
      stream.once("error", reject);
    });
    const client = new TurnClient(
      (data) => stream.write(data),
      () => stream.destroy(),
      false,
    );
    stream.on("data", (data: Buffer) => client.receiveStream(data));
    stream.on("error", () => undefined);
    return client;
  }

  /**
   * Allocates a UDP relay with `username`/`password`: the first request learns the realm and
   * nonce from the 401, the second is authenticated (RFC 8656 section 7.2, RFC 8489 section 9.2).
   */
  async allocate(username: string, password: string): Promise<TurnResult & { relayed?: StunAddress }> {
    const transport = Buffer.from([17, 0, 0, 0]); // UDP (RFC 8656 section 18.11)
    const first = await this.request(StunMethod.ALLOCATE, [{ type: StunAttr.REQUESTED_TRANSPORT, value: transport }]);
    if (first.cls !== "error" || errorCode(first) !== 401) return { ok: false, code: errorCode(first) };
    this.realm = attr(first, StunAttr.REALM)?.toString() ?? "";
    this.nonce = attr(first, StunAttr.NONCE)?.toString() ?? "";
    this.username = username;
    this.key = longTermKey(username, this.realm, password);
    const result = await this.authenticated(StunMethod.ALLOCATE, [{ type: StunAttr.REQUESTED_TRANSPORT, value: transport }]);
    if (!result.ok) return result;
    return { ...result, relayed: readXorAddress(attr(result.message, StunAttr.XOR_RELAYED_ADDRESS)) };
  }

  /**
   * Refreshes the allocation for `lifetimeSeconds` (RFC 8656 section 8), with the credentials
   * it was made with, as a browser does; 0 releases it.
   */
  refresh(lifetimeSeconds: number): Promise<TurnResult> {
    const lifetime = Buffer.alloc(4);
    lifetime.writeUInt32BE(lifetimeSeconds);
    return this.authenticated(StunMethod.REFRESH, [{ type: StunAttr.LIFETIME, value: lifetime }]);
  }

  /** Asks for a permission toward `peer` (RFC 8656 section 9); coturn answers 403 for denied peers. */
  createPermission(peer: StunAddress): Promise<TurnResult> {
    return this.authenticated(StunMethod.CREATE_PERMISSION, [{ type: StunAttr.XOR_PEER_ADDRESS, value: xorAddress(peer) }]);
  }

  /** A Send indication (RFC 8656 section 11): `data` to `peer` through the relay. No answer comes. */
  send(peer: StunAddress, data: Buffer): void {
    this.sendRaw(
      encodeStun({
        method: StunMethod.SEND,
        cls: "indication",
        transactionId: transactionId(),
        attributes: [
          { type: StunAttr.XOR_PEER_ADDRESS, value: xorAddress(peer) },
          { type: StunAttr.DATA, value: data },
        ],
      }),
    );
  }

  /** Closes the socket; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeRaw();
  }

  private async authenticated(method: number, attributes: StunMessage["attributes"]): Promise<TurnResult> {
    if (!this.key) throw new Error("allocate first");
    const auth = () => [
      ...attributes,
      { type: StunAttr.USERNAME, value: Buffer.from(this.username) },
      { type: StunAttr.REALM, value: Buffer.from(this.realm) },
      { type: StunAttr.NONCE, value: Buffer.from(this.nonce) },
    ];
    let answer = await this.request(method, auth(), this.key);
    if (answer.cls === "error" && errorCode(answer) === 438) {
      // Stale nonce: retry once with the new one (RFC 8489 section 9.2.5).
      this.nonce = attr(answer, StunAttr.NONCE)?.toString() ?? this.nonce;
      answer = await this.request(method, auth(), this.key);
    }
    return answer.cls === "success" ? { ok: true, message: answer } : { ok: false, code: errorCode(answer) };
  }

  private request(method: number, attributes: StunMessage["attributes"], integrityKey?: Buffer): Promise<StunMessage> {
    const id = transactionId();
    const data = encodeStun({ method, cls: "request", transactionId: id, attributes }, { ...(integrityKey ? { integrityKey } : {}), fingerprint: true });
    return new Promise((resolve, reject) => {
      // UDP may lose a request: send again every 500 ms, give up after 5 s.
      const resend = setInterval(() => this.lossy && this.sendRaw(data), 500);
      const timer = setTimeout(() => {
        clearInterval(resend);
        this.pending.delete(id.toString("hex"));
        reject(new Error("TURN server did not answer"));
      }, 5000);
      this.pending.set(id.toString("hex"), (message) => {
        clearInterval(resend);
        clearTimeout(timer);
        resolve(message);
      });
      this.sendRaw(data);
    });
  }

  private receive(data: Buffer): void {
    const message = decodeStun(data);
    if (!message) return;
    const key = message.transactionId.toString("hex");
    const waiter = this.pending.get(key);
    this.pending.delete(key);
    waiter?.(message);
  }

  /** STUN over TCP/TLS: messages back to back, each 20 bytes of header plus its length. */
  private receiveStream(data: Buffer): void {
    this.tcpBuffer = Buffer.concat([this.tcpBuffer, data]);
    while (this.tcpBuffer.length >= 20) {
      const size = 20 + this.tcpBuffer.readUInt16BE(2);
      if (this.tcpBuffer.length < size) return;
      this.receive(this.tcpBuffer.subarray(0, size));
      this.tcpBuffer = this.tcpBuffer.subarray(size);
    }
  }
}
