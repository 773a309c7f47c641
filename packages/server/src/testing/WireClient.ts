import { WebSocket } from "ws";
import { PROTOCOL_VERSION, decodeServerMessage, type ServerMessage } from "@confab/protocol";

/**
 * A raw signaling client for tests: sends arbitrary frames and records every server message
 * and the close code, so tests can assert what the server does with bad input.
 */
export class WireClient {
  readonly messages: ServerMessage[] = [];
  closeCode: number | undefined;
  /** The `joined` that {@link WireClient.joined} waited for. */
  joinedMessage: Extract<ServerMessage, { type: "joined" }> | undefined;
  private readonly ws: WebSocket;
  private waiters: (() => void)[] = [];

  private constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on("message", (data) => {
      const r = decodeServerMessage(data.toString());
      if (!r.ok) throw new Error(`server sent an invalid message: ${r.message}`);
      this.messages.push(r.message);
      this.wake();
    });
    this.ws.on("close", (code) => {
      this.closeCode = code;
      this.wake();
    });
    this.ws.on("error", () => this.wake());
  }

  static async connect(url: string): Promise<WireClient> {
    const c = new WireClient(url);
    await new Promise<void>((resolve, reject) => {
      c.ws.once("open", () => resolve());
      c.ws.once("error", reject);
    });
    return c;
  }

  /** Connects, says hello and joins `room` as `name`. */
  static async joined(url: string, room: string, name: string): Promise<WireClient> {
    const c = await WireClient.connect(url);
    c.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    await c.next("welcome");
    c.sendJson({ type: "join", room, name });
    c.joinedMessage = await c.next("joined");
    return c;
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  sendJson(value: unknown): void {
    this.ws.send(JSON.stringify(value));
  }

  /** Resolves with the first message of `type` not yet consumed (waits up to `timeoutMs`). */
  async next<T extends ServerMessage["type"]>(
    type: T,
    timeoutMs = 15_000,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    const found = await this.waitFor(() => {
      const i = this.messages.findIndex((m) => m.type === type);
      return i >= 0 ? this.messages.splice(i, 1)[0] : undefined;
    }, timeoutMs, `message ${type}`);
    return found as Extract<ServerMessage, { type: T }>;
  }

  /** Resolves with the close code once the server closes the socket. */
  closed(timeoutMs = 15_000): Promise<number> {
    return this.waitFor(() => this.closeCode, timeoutMs, "close");
  }

  close(): void {
    this.ws.close();
  }

  terminate(): void {
    this.ws.terminate();
  }

  private async waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v !== undefined) return v;
      const left = deadline - Date.now();
      if (left <= 0) {
        // Errors in full (their code says why); other messages by type.
        const got = this.messages.map((m) => (m.type === "error" ? m : m.type));
        throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(got)}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
