import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { setupSeconds } from "./scenario.js";

export type ProbeMessage = { type: "open" } | { type: "close-window" } | { type: "collect"; sent: number } | { type: "close" };
export type ProbeReply =
  | { type: "receiving"; publisherPort: number | undefined; subscriberPort: number | undefined }
  | { type: "failed"; message: string }
  | { type: "opened"; first: number; sent: number }
  | { type: "window-closed"; sent: number }
  | ({ type: "result" } & ProbeResult);

/** What the probe measured in its window. */
export interface ProbeResult {
  delivered: number;
  /** Publisher send → subscriber arrival, ms, per packet of the window. */
  delays: number[];
  /** Most arrivals within 1 ms. */
  burst: number;
  /** The probe process's own event-loop delay p99 and longest GC pause in the window, ms (its lag, not the SFU's). */
  loopDelayP99Ms: number;
  gcMaxMs: number;
}

const CHILD = fileURLToPath(new URL("./delay-probe-child.js", import.meta.url));

/**
 * A room's publisher and one subscriber in a process of their own, for the SFU-added delay.
 * In the bench process, which sends and receives for every other bot, a packet waits for that
 * process's event loop: its lag made the publisher send in bursts and stamped arrivals late,
 * and set the p99. Here the publisher paces on a 2 ms clock (as a browser's pacer spreads a
 * frame) and stamps send and arrival on one clock; the subscriber decrypts and checks every
 * packet and counts toward delivery. The other subscribers' delivery windows use this
 * publisher's numbering ({@link first}, {@link sent}).
 */
export class DelayProbe {
  private readonly replies: ProbeReply[] = [];
  private waiter: (() => void) | undefined;
  /** The window's first sequence number and the publisher's packet count at its start and end. */
  nextVideoSequence = 0;
  videoPacketsSent = 0;
  /** The local UDP ports of the probe's publisher and subscriber connections (known once {@link ready}). */
  ports: { publisher: number | undefined; subscriber: number | undefined } = { publisher: undefined, subscriber: undefined };
  private sentAtClose = 0;
  private result: ProbeResult | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (reply: ProbeReply) => {
      this.replies.push(reply);
      this.waiter?.();
    });
  }

  /** Starts the probe's publisher (at `pps` video packets/s) and subscriber in `room`. */
  static spawn(url: string, room: string, pps: number): DelayProbe {
    return new DelayProbe(fork(CHILD, [url, room, String(pps)], { stdio: ["ignore", "inherit", "inherit", "ipc"] }));
  }

  /** Resolves once the probe's subscriber receives its publisher's video. */
  async ready(timeoutMs = setupSeconds(20) * 1000): Promise<void> {
    const reply = await this.next(timeoutMs);
    if (!reply) throw new Error(`delay probe: no video within ${timeoutMs / 1000} s`);
    if (reply.type !== "receiving") throw new Error(`delay probe: ${reply.type === "failed" ? reply.message : reply.type}`);
    this.ports = { publisher: reply.publisherPort, subscriber: reply.subscriberPort };
  }

  /** Opens the window at the publisher's next packet (open other windows on it first). */
  async open(): Promise<void> {
    this.child.send({ type: "open" } satisfies ProbeMessage);
    const reply = await this.expect("opened");
    this.nextVideoSequence = reply.first;
    this.videoPacketsSent = reply.sent;
  }

  /** Closes the sending window; afterwards {@link videoPacketsSent} is the count at its end. */
  async closeWindow(): Promise<number> {
    const start = this.videoPacketsSent;
    this.child.send({ type: "close-window" } satisfies ProbeMessage);
    this.sentAtClose = (await this.expect("window-closed")).sent;
    this.videoPacketsSent = this.sentAtClose;
    return this.sentAtClose - start;
  }

  /** Collects the probe's arrivals (after the grace period for late packets). */
  async collect(): Promise<ProbeResult> {
    this.child.send({ type: "collect", sent: this.sentAtClose } satisfies ProbeMessage);
    this.result = await this.expect("result");
    return this.result;
  }

  close(): void {
    if (this.child.connected) this.child.send({ type: "close" } satisfies ProbeMessage);
    setTimeout(() => this.child.kill("SIGKILL"), 3000).unref();
  }

  private async expect<T extends ProbeReply["type"]>(type: T): Promise<Extract<ProbeReply, { type: T }>> {
    const reply = await this.next();
    if (reply.type !== type) throw new Error(`delay probe: expected ${type}, got ${reply.type === "failed" ? reply.message : reply.type}`);
    return reply as Extract<ProbeReply, { type: T }>;
  }

  private async next(timeoutMs: number): Promise<ProbeReply | undefined>;
  private async next(): Promise<ProbeReply>;
  private async next(timeoutMs = Infinity): Promise<ProbeReply | undefined> {
    const deadline = performance.now() + timeoutMs;
    while (this.replies.length === 0) {
      if (performance.now() > deadline) return undefined;
      if (this.child.exitCode !== null) throw new Error(`delay probe exited with ${this.child.exitCode}`);
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 1000);
      });
    }
    return this.replies.shift()!;
  }
}
