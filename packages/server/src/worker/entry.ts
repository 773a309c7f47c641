/**
 * An SFU worker thread: runs the rooms the main thread places on it (their peer connections,
 * UDP sockets and forwarding) and exchanges {@link ToWorker}/{@link FromWorker} messages with
 * the main thread, which keeps HTTP and the signaling sockets.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createLogger } from "../log/createLogger.js";
import { MemoryChatStore } from "../room/ChatStore.js";
import { LocalRoomHost } from "../room/LocalRoomHost.js";
import { createPolicyResolver } from "../room/policy/createPolicyResolver.js";
import { closeUdpSockets } from "../sfu/udpSockets.js";
import { openSharedUdpPort } from "../sfu/sharedUdpPort.js";
import { releasePooledRings } from "../sfu/PacketRing.js";
import { trimAllocator } from "../memory/allocator.js";
import { collectGarbage } from "../memory/collectGarbage.js";
import type { HostStats, Membership } from "../room/RoomHost.js";
import { EmptyCollector } from "./EmptyCollector.js";
import { toWireError, type FromWorker, type ToWorker, type WorkerInit } from "./messages.js";
import { LoopDelay } from "./LoopDelay.js";

const STATS_INTERVAL_MS = 1000;

const port = parentPort;
if (!port) throw new Error("worker/entry.js runs as a worker thread");
const { config, index, configuredRooms } = workerData as WorkerInit;
const log = createLogger({ level: config.logLevel, format: config.logFormat, color: config.logColor }).child({ worker: index });
const host = new LocalRoomHost(
  config,
  log,
  new MemoryChatStore(config.rooms.chatHistorySize),
  createPolicyResolver(config, configuredRooms),
  (room) => {
    post({ t: "left", room });
    emptyCollector.roomClosed();
  },
  // Room events go to the main thread, which owns the webhook queue: a post, never a wait.
  (event) => post({ t: "event", event }),
);
// A thread that dies of an uncaught error closes its media sockets first (see closeUdpSockets):
// a datagram arriving while it is torn down would abort the whole process.
process.on("uncaughtExceptionMonitor", () => closeUdpSockets());
// The shared media socket is bound from the start (a connection would open it otherwise).
openSharedUdpPort(config.rtc).then(
  (udpPort) => {
    if (udpPort !== undefined) log.debug({ udpPort }, "shared media UDP socket open");
  },
  (error: unknown) => log.error({ err: error }, "the shared media UDP socket could not be opened; connections will try again"),
);
const members = new Map<number, Membership>();
/** Joins still waiting (lobby), by session, so the main thread can cancel them. */
const joining = new Map<number, AbortController>();
/**
 * Once the thread hosts nobody, a full garbage collection and a malloc trim give back what its
 * rooms used. V8 alone would not: an idle thread allocates nothing, so nothing triggers a
 * collection, and the dead ArrayBuffers of the media (tens of MB) keep their malloc memory;
 * freed, it stays resident in malloc's arenas until trimmed (see memory/allocator.ts). Never
 * while anyone is in a room or joining (the collection would stop their media).
 */
const emptyCollector = new EmptyCollector(
  () => host.stats().participants === 0 && joining.size === 0,
  () => {
    releasePooledRings();
    collectGarbage();
    trimAllocator();
  },
);

function post(message: FromWorker): void {
  port!.postMessage(message);
}

function reply(call: number, work: () => Promise<unknown>): void {
  work().then(
    (value) => post({ t: "reply", call, value }),
    (error: unknown) => {
      const wire = toWireError(error);
      if (wire.kind === "internal") log.error({ err: error }, "room request failed");
      post({ t: "reply", call, error: wire });
    },
  );
}

port.on("message", (m: ToWorker) => {
  switch (m.t) {
    case "join":
      loopDelay.setActive(true);
      return reply(m.call, async () => {
        const abort = new AbortController();
        joining.set(m.session, abort);
        try {
          const membership = await host.join(m.request, { send: (message) => post({ t: "signal", session: m.session, message }) }, abort.signal);
          members.set(m.session, membership);
          return membership.participantId;
        } finally {
          joining.delete(m.session);
        }
      });
    case "cancel":
      joining.get(m.session)?.abort();
      return;
    case "resume":
      loopDelay.setActive(true);
      return reply(m.call, async () => {
        const membership = await host.resume(m.room, m.token, { send: (message) => post({ t: "signal", session: m.session, message }) });
        members.set(m.session, membership);
        return membership.participantId;
      });
    case "disconnect":
      members.get(m.session)?.disconnect();
      members.delete(m.session);
      return;
    case "message":
      return reply(m.call, async () => {
        const membership = members.get(m.session);
        if (!membership) throw new Error(`no participant for session ${m.session}`);
        await membership.handle(m.message);
      });
    case "leave":
      members.get(m.session)?.leave(m.reason);
      members.delete(m.session);
      return;
    case "size":
      return reply(m.call, () => host.roomSize(m.room));
    case "crash":
      if (!config.testFaults) {
        log.warn("ignoring a crash request: test faults are off");
        return;
      }
      log.warn("crashing on request (CONFAB_TEST_FAULTS)");
      // Outside any handler, as a bug in a timer or a socket callback would.
      setImmediate(() => {
        throw new Error("test fault: SFU worker crash requested");
      });
      return;
    case "drain":
      return host.drain();
    case "snapshot":
      return reply(m.call, () => host.snapshot(m.room));
    case "configure":
      return reply(m.call, () => host.configure(m.room, m.policy));
    case "moderate":
      return reply(m.call, () => host.moderate(m.room, m.command));
    case "close":
      return reply(m.call, async () => {
        await host.close();
        // Whatever werift still holds open: the thread is terminated next (see closeUdpSockets).
        const left = closeUdpSockets();
        if (left > 0) log.debug({ sockets: left }, "closed media sockets the rooms left open");
        members.clear();
        clearInterval(statsTimer);
        emptyCollector.close();
        loopDelay.setActive(false);
      });
    default: {
      const unreachable: never = m;
      log.error({ message: unreachable }, "unknown message from the main thread");
    }
  }
});

// This thread's heap and event-loop delay, for /metrics (soak tests watch them grow or not).
// The delay is sampled while the thread hosts someone (a join starts it; the report after the
// last one left stops it): an idle worker reports 0 and is not woken 100 times a second.
const loopDelay = new LoopDelay();
const statsTimer = setInterval(() => {
  const { heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  const hostStats = host.stats();
  const stats: HostStats = {
    ...hostStats,
    workerHeapUsedBytes: heapUsed,
    workerEventLoopDelayP99Ms: loopDelay.takeP99Ms(),
    workerMemory: [{ worker: index, heapUsed, heapTotal, external, arrayBuffers }],
  };
  loopDelay.setActive(hostStats.participants > 0 || joining.size > 0 || members.size > 0);
  post({ t: "stats", stats });
}, STATS_INTERVAL_MS);
statsTimer.unref();
log.debug("SFU worker ready");
