import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { setTimeout as sleep } from "node:timers/promises";
import { Message, classes, methods, parseMessage } from "werift";

/** What a {@link StunProbe} saw come back from the port it sprayed. */
export interface ProbeTally {
  /** Datagrams and bytes sent. */
  sent: number;
  bytesSent: number;
  /** Binding success or error responses received. */
  responses: number;
  /** Binding requests received: connectivity checks sent back to the prober. */
  checks: number;
  /** Every datagram and byte received. */
  received: number;
  bytesReceived: number;
}

/** How to build one binding request. */
export interface BindingRequestOptions {
  /** USERNAME attribute (`<their ufrag>:<our ufrag>` from the receiver's view), omitted when undefined. */
  username?: string;
  /** Key of MESSAGE-INTEGRITY; a random one when undefined (a forgery). */
  password?: string;
  /** Whether to add FINGERPRINT (default true). */
  fingerprint?: boolean;
}

/** A binding request as a browser's connectivity check (RFC 8445 §7.2.2), or a forgery of one. */
export function bindingRequest(options: BindingRequestOptions): { bytes: Buffer; transactionId: Buffer } {
  const request = new Message(methods.BINDING, classes.REQUEST);
  if (options.username !== undefined) request.setAttribute("USERNAME", options.username);
  request.setAttribute("PRIORITY", 1853824767).setAttribute("ICE-CONTROLLING", randomBytes(8).readBigUInt64BE(0));
  request.addMessageIntegrity(Buffer.from(options.password ?? randomBytes(16).toString("hex"), "utf8"));
  if (options.fingerprint !== false) request.addFingerprint();
  return { bytes: request.bytes, transactionId: request.transactionId };
}

/**
 * A UDP socket on loopback that sends datagrams to one media port and counts what comes back,
 * telling STUN responses from STUN requests (checks the target starts toward the prober).
 */
export class StunProbe {
  readonly tally: ProbeTally = { sent: 0, bytesSent: 0, responses: 0, checks: 0, received: 0, bytesReceived: 0 };
  /** Transaction ids of the responses received (hex). */
  readonly answered = new Set<string>();
  private readonly responseData: Buffer[] = [];
  private constructor(
    private readonly socket: Socket,
    private readonly target: { address: string; port: number },
  ) {
    socket.on("message", (data) => {
      this.tally.received++;
      this.tally.bytesReceived += data.length;
      const message = parseMessage(data);
      if (!message) return;
      if (message.messageClass === classes.REQUEST) this.tally.checks++;
      else {
        this.tally.responses++;
        this.answered.add(message.transactionIdHex);
        this.responseData.push(data);
      }
    });
  }

  /** Opens a probe toward `target` from `bindAddress` (any loopback address). */
  static async open(target: { address: string; port: number }, bindAddress = "127.0.0.1"): Promise<StunProbe> {
    const socket = createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, bindAddress, () => resolve());
    });
    return new StunProbe(socket, target);
  }

  /** The probe's own port. */
  get port(): number {
    return this.socket.address().port;
  }

  /** How many responses received carry MESSAGE-INTEGRITY that verifies with `password`. */
  verifiedResponses(password: string): number {
    return this.responseData.filter((data) => parseMessage(data, Buffer.from(password, "utf8")) !== undefined).length;
  }

  /** Sends one datagram. */
  send(data: Buffer): Promise<void> {
    this.tally.sent++;
    this.tally.bytesSent += data.length;
    return new Promise((resolve, reject) =>
      this.socket.send(data, this.target.port, this.target.address, (error) => (error ? reject(error) : resolve())),
    );
  }

  /** Sends `request` and waits (at most ~5 s) for its response; whether one came. */
  async requestAnswered(request: { bytes: Buffer; transactionId: Buffer }): Promise<boolean> {
    await this.send(request.bytes);
    const id = request.transactionId.toString("hex");
    for (let i = 0; i < 250 && !this.answered.has(id); i++) await sleep(20);
    return this.answered.has(id);
  }

  /** Closes the socket; idempotent. */
  close(): void {
    try {
      this.socket.close();
    } catch {
      // closed already
    }
  }
}

/** The ICE credentials and first loopback UDP candidate port in an SDP. */
export function iceEndpoint(sdp: string, candidates: readonly string[] = []): { ufrag: string; pwd: string; port: number } {
  const ufrag = /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1];
  const pwd = /^a=ice-pwd:(\S+)/m.exec(sdp)?.[1];
  const lines = [...sdp.split(/\r?\n/), ...candidates];
  const candidate = lines.map((l) => /candidate:\S+ 1 udp \d+ 127\.0\.0\.1 (\d+) typ host/i.exec(l)).find((m) => m !== null);
  if (!ufrag || !pwd || !candidate?.[1]) throw new Error("no ICE credentials or loopback candidate in the description");
  return { ufrag, pwd, port: Number(candidate[1]) };
}
