import { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import { SafeEmitter } from "@confab/protocol";
import type { ServerConfig } from "../config/config.js";
import type { RoomPolicy } from "../room/policy/RoomPolicy.js";
import type { RoomEvent } from "../room/RoomEvents.js";
import { emptyStats, type HostStats, type RoomSink } from "../room/RoomHost.js";
import { fromWireError, type FromWorker, type ToWorker, type WorkerInit } from "./messages.js";

/** The compiled worker script (under Vitest this module runs from src/, the script from dist/). */
function entryUrl(): URL {
  const url = new URL("./entry.js", import.meta.url);
  return import.meta.url.endsWith(".ts") ? new URL(url.href.replace("/src/worker/", "/dist/worker/")) : url;
}

type Call = Extract<ToWorker, { call: number }>;
type CallInput = Call extends infer C ? (C extends Call ? Omit<C, "call"> : never) : never;

interface SfuWorkerEvents {
  /** The thread ended without being closed (crash or out of memory). */
  died: [error: Error];
  /** A participant left `room` for good. */
  left: [room: string];
  /** Something happened in one of its rooms. */
  event: [event: RoomEvent];
}


/**
 * One SFU worker thread seen from the main thread: request/reply calls, the sinks of the
 * sessions whose participants it hosts, and its last reported stats.
 */
export class SfuWorker {
  readonly events: SafeEmitter<SfuWorkerEvents>;
  /** Participants placed here by the main thread (its own count: immediate, unlike stats). */
  participants = 0;
  /** The worker's last reported totals. */
  stats: HostStats = emptyStats();
  /** RTP packets forwarded per second between its last two reports. */
  packetsOutPerSecond = 0;
  private statsAt = Date.now();
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly sinks = new Map<number, RoomSink>();
  private nextCall = 1;
  private closing = false;
  private dead = false;
  private started = false;

  constructor(
    readonly index: number,
    config: ServerConfig,
    private readonly log: Logger,
    configuredRooms: Map<string, RoomPolicy>,
  ) {
    this.events = new SafeEmitter((event, error) => log.error({ err: error, event }, "listener failed"));
    const init: WorkerInit = { config, index, configuredRooms };
    this.worker = new Worker(entryUrl(), { workerData: init, name: `sfu-${index}` });
    this.worker.on("online", () => (this.started = true));
    this.worker.on("message", (m: FromWorker) => this.onMessage(m));
    this.worker.on("error", (error) => this.onDeath(error));
    this.worker.on("exit", (code) => this.onDeath(new Error(`SFU worker ${index} exited with code ${code}`)));
  }

  /** Whether the thread ever started running (a worker that cannot start is not replaced). */
  get everStarted(): boolean {
    return this.started;
  }

  get alive(): boolean {
    return !this.dead && !this.closing;
  }

  /** Sends a request; settles with the worker's reply, or rejects if the worker dies. */
  call<T>(message: CallInput): Promise<T> {
    if (this.dead) return Promise.reject(new Error(`SFU worker ${this.index} is gone`));
    const call = this.nextCall++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(call, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...message, call } as ToWorker);
    });
  }

  /** Sends a message that gets no reply. */
  notify(message: Exclude<ToWorker, { call: number }>): void {
    if (!this.dead) this.worker.postMessage(message);
  }

  addSink(session: number, sink: RoomSink): void {
    this.sinks.set(session, sink);
  }

  removeSink(session: number): void {
    this.sinks.delete(session);
  }

  /** Ends the thread without closing its rooms first (what a crash looks like). */
  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  /** Closes the worker's rooms, then ends the thread; idempotent. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    try {
      await Promise.race([this.call({ t: "close" }), new Promise((r) => setTimeout(r, 2000))]);
    } catch {
      // Already gone: nothing to close.
    }
    await this.worker.terminate();
  }

  private onMessage(m: FromWorker): void {
    switch (m.t) {
      case "signal":
        this.sinks.get(m.session)?.send(m.message);
        return;
      case "reply": {
        const p = this.pending.get(m.call);
        if (!p) return;
        this.pending.delete(m.call);
        if (m.error) p.reject(fromWireError(m.error));
        else p.resolve(m.value);
        return;
      }
      case "left":
        this.events.emit("left", m.room);
        return;
      case "event":
        this.events.emit("event", m.event);
        return;
      case "stats": {
        const now = Date.now();
        const seconds = Math.max(0.001, (now - this.statsAt) / 1000);
        this.packetsOutPerSecond = Math.max(0, m.stats.packetsOut - this.stats.packetsOut) / seconds;
        this.stats = m.stats;
        this.statsAt = now;
        return;
      }
      default: {
        const unreachable: never = m;
        this.log.error({ message: unreachable }, "unknown message from an SFU worker");
      }
    }
  }

  /** Fails every pending call and tells every hosted session its room is lost; once. */
  private onDeath(error: Error): void {
    if (this.dead) return;
    this.dead = true;
    for (const p of this.pending.values()) p.reject(new Error(`SFU worker ${this.index} is gone`));
    this.pending.clear();
    const sinks = [...this.sinks.values()];
    this.sinks.clear();
    if (this.closing) return;
    this.log.error({ err: error, worker: this.index, sessions: sinks.length }, "SFU worker died");
    for (const sink of sinks) sink.lost?.("the media server hosting this room failed; reconnect");
    this.events.emit("died", error);
  }
}
