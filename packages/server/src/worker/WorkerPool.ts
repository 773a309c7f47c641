import type { Logger } from "pino";
import { ErrorCode, type ModerationAction } from "@confab/protocol";
import type { ServerConfig } from "../config/config.js";
import { UserError } from "../errors.js";
import type { JoinRequest } from "../room/JoinRequest.js";
import type { RoomPolicy } from "../room/policy/RoomPolicy.js";
import type { RoomEventSink } from "../room/RoomEvents.js";
import {
  addCounters,
  emptyStats,
  type HostStats,
  type Membership,
  type Readiness,
  type RoomHost,
  type RoomMessage,
  type RoomSink,
} from "../room/RoomHost.js";
import { drainingError } from "../room/RoomManager.js";
import type { RoomSnapshot } from "../room/snapshot.js";
import { logLeft } from "../room/RoomObserver.js";
import { leastLoaded } from "./placement.js";
import { RoomLedger } from "./RoomLedger.js";
import { SfuWorker } from "./SfuWorker.js";

/**
 * Worker `index`'s share of the configured UDP port range, so that two threads never probe
 * and bind the same port (werift tests a port, closes it, then binds it). A range too small
 * to split into slices of `minSpan` ports is shared.
 */
export function workerPortRange(range: [number, number] | undefined, index: number, count: number, minSpan = 2): [number, number] | undefined {
  if (!range) return undefined;
  const span = Math.floor((range[1] - range[0] + 1) / count);
  if (span < minSpan) return range;
  const min = range[0] + index * span;
  return [min, index === count - 1 ? range[1] : min + span - 1];
}

/**
 * How many slices `RTC_PORT_MIN..MAX` is cut into: one per worker, and with the shared sockets
 * one more for the main thread's (the lobby probes), so that it can never take the one port a
 * worker's slice has. Without workers the main thread has the whole range.
 */
export function portRangeSlices(workers: number, udpSockets: "shared" | "connection"): number {
  return Math.max(1, workers) + (udpSockets === "shared" && workers > 0 ? 1 : 0);
}

/** The range thread `index` binds in (the main thread is index `workers`; see {@link portRangeSlices}). */
export function threadPortRange(
  rtc: { portRange: [number, number] | undefined; udpSockets: "shared" | "connection" },
  workers: number,
  index: number,
): [number, number] | undefined {
  // A socket per connection: the main thread's probes share the whole range, as they always did.
  if (index >= workers && (rtc.udpSockets === "connection" || workers === 0)) return rtc.portRange;
  // One socket per thread needs one port per slice; werift's sockets per connection at least two.
  return workerPortRange(rtc.portRange, index, portRangeSlices(workers, rtc.udpSockets), rtc.udpSockets === "shared" ? 1 : 2);
}

/**
 * The shared media port of SFU worker `index` (`RTC_UDP_PORT + index`): one socket per thread,
 * because no packet crosses threads and the kernel cannot steer a datagram to the thread of
 * its room (SO_REUSEPORT spreads by address hash).
 */
export function workerUdpPort(base: number | undefined, index: number): number | undefined {
  return base === undefined ? undefined : base + index;
}

/**
 * The shared media port of the main thread, whose peer connections are the lobby's
 * connectivity probes: the one after the workers' (`RTC_UDP_PORT + WORKERS`), or
 * `RTC_UDP_PORT` itself with `WORKERS=0` (rooms and probes in one thread).
 */
export function mainThreadUdpPort(base: number, workers: number): number {
  return base + workers;
}

/** How many ports `RTC_UDP_PORT` takes: one per worker and one for the main thread (one with `WORKERS=0`). */
export function sharedUdpPortCount(workers: number): number {
  return workers + 1;
}

/**
 * Where a room runs, and who holds it there: participants the worker has (it reports each
 * that leaves for good, grace periods included) plus joins on their way.
 */
interface Placement {
  worker: SfuWorker;
  members: number;
}

/** A participant hosted by an SFU worker. */
class RemoteMembership implements Membership {
  private done = false;

  constructor(
    readonly room: string,
    readonly participantId: string,
    private readonly session: number,
    private readonly worker: SfuWorker,
  ) {}

  handle(message: RoomMessage): Promise<void> {
    if (this.done) return Promise.reject(new UserError(ErrorCode.NOT_JOINED, "join a room first"));
    return this.worker.call<void>({ t: "message", session: this.session, message });
  }

  leave(reason: "left" | "disconnected"): void {
    if (this.done) return;
    this.done = true;
    this.worker.notify({ t: "leave", session: this.session, reason });
    this.worker.removeSink(this.session);
  }

  disconnect(): void {
    if (this.done) return;
    this.done = true;
    this.worker.notify({ t: "disconnect", session: this.session });
    this.worker.removeSink(this.session);
  }
}

/**
 * Rooms on SFU worker threads (one per core by default): each room lives on one worker, chosen
 * least loaded when the room is created, so forwarding spreads over the cores while a room's
 * packets never cross threads. The main thread keeps HTTP and signaling and relays messages.
 * A worker that dies is replaced; its sessions are closed with ROOM_LOST and rejoin.
 */
export class WorkerPool implements RoomHost {
  private readonly workers: SfuWorker[] = [];
  private readonly placements = new Map<string, Placement>();
  /** Counters of workers that died, so totals stay monotonic. */
  private readonly retired: HostStats = emptyStats();
  private nextSession = 1;
  private readonly count: number;
  private closed = false;
  private draining = false;

  constructor(
    private readonly config: ServerConfig,
    private readonly log: Logger,
    count: number,
    private readonly configuredRooms: Map<string, RoomPolicy> = new Map(),
    /** Where the rooms' events go (webhooks), on the main thread. */
    private readonly roomEvents?: RoomEventSink,
  ) {
    this.count = count;
    for (let i = 0; i < count; i++) this.workers.push(this.spawn(i));
  }

  get size(): number {
    return this.count;
  }

  /** The index of the worker hosting `room`, if it exists. */
  workerOf(room: string): number | undefined {
    return this.placements.get(room)?.worker.index;
  }

  /**
   * Ends worker `index` abruptly, as a crash would (its sessions get ROOM_LOST and it is
   * replaced). For tests and for an operator's last resort.
   */
  async terminate(index: number): Promise<void> {
    await this.workers[index]?.terminate();
  }

  /**
   * Test-only (`CONFAB_TEST_FAULTS=1`): makes the worker hosting `room` crash with an uncaught
   * exception. Returns false when no live worker hosts it.
   */
  crashWorkerOf(room: string): boolean {
    const worker = this.placements.get(room)?.worker;
    if (!this.config.testFaults || !worker?.alive) return false;
    worker.notify({ t: "crash" });
    return true;
  }

  async join(request: JoinRequest, sink: RoomSink, signal?: AbortSignal): Promise<Membership> {
    if (this.closed) throw new UserError(ErrorCode.BAD_STATE, "server is shutting down");
    const { room } = request;
    const placement = this.place(room);
    const { worker } = placement;
    const session = this.nextSession++;
    placement.members++;
    worker.participants++;
    worker.addSink(session, sink);
    const cancel = () => worker.notify({ t: "cancel", session });
    signal?.addEventListener("abort", cancel, { once: true });
    let participantId: string;
    try {
      participantId = await worker.call<string>({ t: "join", session, request });
    } catch (error) {
      // The join never entered: this placement's count goes back down here.
      worker.removeSink(session);
      this.release(room, worker);
      throw error;
    } finally {
      signal?.removeEventListener("abort", cancel);
    }
    if (signal?.aborted) {
      // Admitted just as the session went away: leave at once (the worker reports it, and the
      // count goes down then).
      worker.notify({ t: "leave", session, reason: "disconnected" });
      worker.removeSink(session);
      throw new UserError(ErrorCode.BAD_STATE, "join cancelled");
    }
    return new RemoteMembership(room, participantId, session, worker);
  }

  exists(room: string): boolean {
    return this.placements.get(room)?.worker.alive === true;
  }

  async resume(room: string, token: string, sink: RoomSink): Promise<Membership> {
    const placement = this.placements.get(room);
    if (this.closed || !placement?.worker.alive) throw new UserError(ErrorCode.RESUME_FAILED, "nothing to resume; join again");
    const { worker } = placement;
    const session = this.nextSession++;
    worker.addSink(session, sink);
    try {
      const participantId = await worker.call<string>({ t: "resume", session, room, token });
      return new RemoteMembership(room, participantId, session, worker);
    } catch (error) {
      worker.removeSink(session);
      throw error;
    }
  }

  /** A participant of `room` on `worker` left for good, or a join there failed. */
  private release(room: string, worker: SfuWorker): void {
    const placement = this.placements.get(room);
    worker.participants = Math.max(0, worker.participants - 1);
    if (!placement || placement.worker !== worker) return;
    if (--placement.members <= 0) this.placements.delete(room);
  }

  async roomSize(room: string): Promise<number | undefined> {
    const placement = this.placements.get(room);
    if (!placement?.worker.alive) return undefined;
    return placement.worker.call<number | undefined>({ t: "size", room });
  }

  /**
   * Totals over the workers, as of their last reports (at most a second old); the number of
   * rooms is this thread's own, up to date (a drain waits for it to reach 0).
   */
  stats(): HostStats {
    const total = addCounters(emptyStats(), this.retired);
    total.rooms = this.placements.size;
    for (const w of this.workers) {
      total.participants += w.stats.participants;
      total.sharedPortAddresses += w.alive ? w.stats.sharedPortAddresses : 0;
      total.workerHeapUsedBytes += w.alive ? w.stats.workerHeapUsedBytes : 0;
      total.workerEventLoopDelayP99Ms = Math.max(total.workerEventLoopDelayP99Ms, w.alive ? w.stats.workerEventLoopDelayP99Ms : 0);
      if (w.alive) total.workerMemory.push(...w.stats.workerMemory);
      addCounters(total, w.stats);
    }
    return total;
  }

  drain(): void {
    if (this.draining) return;
    this.draining = true;
    for (const w of this.workers) w.notify({ t: "drain" });
  }

  readiness(): Readiness {
    const workers = { up: this.workers.filter((w) => w.alive && w.everStarted).length, total: this.count };
    if (this.closed) return { ready: false, reason: "closed", workers };
    if (this.draining) return { ready: false, reason: "draining", workers };
    return workers.up === workers.total ? { ready: true, workers } : { ready: false, reason: "workers", workers };
  }

  async snapshot(room?: string): Promise<RoomSnapshot[]> {
    const workers =
      room === undefined ? this.workers.filter((w) => w.alive) : [this.placements.get(room)?.worker].filter((w): w is SfuWorker => w?.alive === true);
    const parts = await Promise.all(
      workers.map(async (w) => {
        try {
          const rooms = await w.call<RoomSnapshot[]>({ t: "snapshot", ...(room !== undefined ? { room } : {}) });
          return rooms.map((r) => ({ ...r, worker: w.index }));
        } catch {
          return []; // the worker died meanwhile: its rooms are gone
        }
      }),
    );
    return parts.flat().sort((a, b) => a.createdAt - b.createdAt);
  }

  async configure(room: string, policy: RoomPolicy): Promise<void> {
    if (this.exists(room)) throw new UserError(ErrorCode.BAD_STATE, "a meeting is in progress in this room; end it first");
    // Every worker keeps it: the room's next meeting may be placed on any of them (with
    // DATA_DIR persistence they write the same file; in memory each keeps its copy).
    await Promise.all(this.workers.filter((w) => w.alive).map((w) => w.call<void>({ t: "configure", room, policy })));
  }

  async moderate(room: string, command: ModerationAction): Promise<void> {
    const placement = this.placements.get(room);
    if (!placement?.worker.alive) throw new UserError(ErrorCode.BAD_STATE, "no meeting is in progress in this room");
    await placement.worker.call<void>({ t: "moderate", room, command });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.placements.clear();
    await Promise.all(this.workers.map((w) => w.close()));
  }

  /** The placement of `room`: the existing one, or a new one on the least loaded worker. */
  private place(room: string): Placement {
    const existing = this.placements.get(room);
    if (existing?.worker.alive) return existing;
    if (this.draining) throw drainingError();
    if (this.placements.size >= this.config.rooms.maxRooms) {
      throw new UserError(ErrorCode.ROOM_FULL, "this server has no room for another meeting");
    }
    const index = leastLoaded(
      this.workers.map((w) => ({ alive: w.alive, participants: w.participants, packetsOutPerSecond: w.packetsOutPerSecond })),
    );
    if (index < 0) throw new Error("no SFU worker is running");
    const placement = { worker: this.workers[index]!, members: 0 };
    this.placements.set(room, placement);
    return placement;
  }

  private spawn(index: number): SfuWorker {
    const rtc = this.config.rtc;
    const config = {
      ...this.config,
      rtc: { ...rtc, portRange: threadPortRange(rtc, this.size, index), udpPort: workerUdpPort(rtc.udpPort, index) },
    };
    const worker = new SfuWorker(index, config, this.log, this.configuredRooms);
    if (this.draining) worker.notify({ t: "drain" });
    worker.events.on("left", (room) => this.release(room, worker));
    // Who is where, so that a crash still gives each participant its leave (log and webhooks).
    const ledger = new RoomLedger();
    worker.events.on("event", (event) => {
      ledger.record(event);
      this.roomEvents?.(event);
    });
    worker.events.on("died", () => {
      for (const [room, p] of this.placements) if (p.worker === worker) this.placements.delete(room);
      for (const event of ledger.lost()) {
        if (event.event === "participant_left") logLeft(this.log.child({ room: event.room }), event.participant, "lost", 0);
        if (event.event === "room_ended") this.log.info({ room: event.room, reason: "lost" }, "room ended");
        this.roomEvents?.(event);
      }
      addCounters(this.retired, worker.stats);
      if (this.closed || this.workers[index] !== worker) return;
      if (!worker.everStarted) {
        this.log.fatal({ worker: index }, "an SFU worker could not start; not replacing it");
        return;
      }
      this.log.warn({ worker: index }, "starting a replacement SFU worker");
      this.workers[index] = this.spawn(index);
    });
    return worker;
  }
}
