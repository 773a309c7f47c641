import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { createLogger } from "./log/createLogger.js";
import type { ServerConfig } from "./config/config.js";
import { createApp } from "./http/app.js";
import { AdminAuth, type AdminApiOptions } from "./http/admin/index.js";
import { createMetrics } from "./http/metrics.js";
import { MemoryReturner } from "./memory/MemoryReturner.js";
import { registerTestFaults } from "./http/testFaults.js";
import { loadTls } from "./http/tls.js";
import { MemoryChatStore } from "./room/ChatStore.js";
import { LocalRoomHost } from "./room/LocalRoomHost.js";
import { createPolicyResolver } from "./room/policy/createPolicyResolver.js";
import { loadRoomsFile } from "./room/policy/RoomsFile.js";
import { defaultRoomPolicy, type RoomPolicy } from "./room/policy/RoomPolicy.js";
import { probeUdpBufferSizes, udpBufferCapMessage } from "./sfu/udpSockets.js";
import { checkSharedUdpPorts, openSharedUdpPort, sharedPortBufferBytes } from "./sfu/sharedUdpPort.js";
import { mainThreadUdpPort, sharedUdpPortCount, threadPortRange } from "./worker/WorkerPool.js";
import type { RoomEvent } from "./room/RoomEvents.js";
import { describeFastPath } from "./sfu/native/fastPath.js";
import type { RoomHost } from "./room/RoomHost.js";
import { SignalingServer } from "./signaling/SignalingServer.js";
import { WorkerPool } from "./worker/WorkerPool.js";
import { registerWebhookMetrics } from "./webhooks/metrics.js";
import { Webhooks } from "./webhooks/Webhooks.js";
import { withDiscoveredAddress } from "./net/stunDiscovery.js";
import { hostAddresses } from "./sfu/peer-config.js";

/** A running Confab server. */
export interface RunningServer {
  readonly config: ServerConfig;
  /** e.g. `http://127.0.0.1:8080` (host as bound; 0.0.0.0 is reported as 127.0.0.1). */
  readonly httpUrl: string;
  /** The HTTPS URL, when HTTPS is enabled. */
  readonly httpsUrl: string | undefined;
  /** Where the rooms run: SFU worker threads, or this thread with `workers: 0`. */
  readonly rooms: RoomHost;
  readonly log: Logger;
  /** The webhook queues (`WEBHOOK_URLS`), when any receiver is configured. */
  readonly webhooks: Webhooks | undefined;
  /**
   * Graceful shutdown: no new meetings (joins that would start one get SERVER_DRAINING),
   * `/readyz` answers 503, every client is told (`draining`); meetings in progress go on until
   * they end or `timeoutMs` (default `config.drainTimeoutMs`) is nearly over, then
   * {@link close}. Resolves when closed; idempotent.
   */
  drain(timeoutMs?: number): Promise<void>;
  /** Stops accepting, closes every socket with SERVER_SHUTDOWN (4004) and every room; idempotent. */
  close(): Promise<void>;
}

/**
 * The part of the drain kept for closing (workers close their rooms, sockets their handshake):
 * the wait for meetings to end stops this long before the deadline.
 */
function closeReserveMs(timeoutMs: number): number {
  return Math.min(WEBHOOK_SHUTDOWN_GRACE_MS + 1000, timeoutMs / 4);
}

/** How often a drain checks whether the last meeting has ended, ms. */
const DRAIN_POLL_MS = 200;

/** The server's version, from its package.json. */
export const SERVER_VERSION: string = (() => {
  try {
    const pkg = fileURLToPath(new URL("../package.json", import.meta.url));
    return (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version;
  } catch {
    return "0.0.0";
  }
})();

function urlOf(scheme: string, app: FastifyInstance): string {
  const address = app.server.address() as AddressInfo;
  const host = address.address === "0.0.0.0" || address.address === "::" ? "127.0.0.1" : address.address;
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
}

/** Warns when the kernel grants media sockets less buffer than configured. */
async function checkUdpBuffers(bytes: number, log: Logger): Promise<void> {
  if (bytes <= 0) return;
  try {
    const granted = await probeUdpBufferSizes(bytes);
    const problem = udpBufferCapMessage(bytes, granted);
    if (problem) log.warn({ requested: bytes, ...granted }, `RTC_UDP_BUFFER_BYTES: ${problem}`);
  } catch (error) {
    log.warn({ err: error }, "could not check media UDP buffer sizes");
  }
}

/**
 * The config with signing credentials: the configured ones, or an ephemeral pair for a server
 * embedded without any (tokens it signs die with it). `npm start` loads or generates a
 * persistent pair in `DATA_DIR` (see main.ts).
 */
function withCredentials(config: ServerConfig): ServerConfig {
  if (config.auth.apiKey && config.auth.apiSecret) return config;
  return { ...config, auth: { ...config.auth, apiKey: `APItmp${randomBytes(6).toString("hex")}`, apiSecret: randomBytes(32).toString("base64url") } };
}

/** How long queued webhooks may take to go out when the server stops, ms. */
const WEBHOOK_SHUTDOWN_GRACE_MS = 2_000;

/** The webhook queues, when `WEBHOOK_URLS` names any receiver. */
function createWebhooks(config: ServerConfig, log: Logger): Webhooks | undefined {
  const { urls, ...delivery } = config.webhooks;
  if (urls.length === 0) return undefined;
  log.info({ receivers: urls.map((u) => new URL(u).origin) }, "webhooks on");
  return new Webhooks(urls, config.auth.apiSecret, delivery, log.child({ component: "webhooks" }), `Confab/${SERVER_VERSION}`);
}

/** How media UDP is carried, for the start-up log. */
function describeUdpSockets({ rtc, workers }: ServerConfig): string {
  if (rtc.udpSockets === "connection") return "a socket per peer connection";
  if (rtc.udpPort !== undefined) return `one socket per thread, ports ${rtc.udpPort}-${rtc.udpPort + sharedUdpPortCount(workers) - 1}`;
  return `one socket per thread, on a free port${rtc.portRange ? ` of ${rtc.portRange.join("-")}` : ""}`;
}

/** Starts HTTP (and HTTPS) with the web app, signaling and the SFU. */
export async function startServer(initialConfig: ServerConfig, logger?: Logger): Promise<RunningServer> {
  const log = logger ?? createLogger({ level: initialConfig.logLevel, format: initialConfig.logFormat, color: initialConfig.logColor });
  const config = await withDiscoveredAddress(withCredentials(initialConfig), log, hostAddresses);
  if (config.rtc.udpPort !== undefined) await checkSharedUdpPorts(config.rtc.udpPort, sharedUdpPortCount(config.workers));
  const defaults = defaultRoomPolicy(config.rooms.maxParticipants);
  const configuredRooms = config.auth.roomsFile ? await loadRoomsFile(config.auth.roomsFile, defaults) : new Map<string, RoomPolicy>();
  const webhooks = createWebhooks(config, log);
  const roomEvents = webhooks ? (event: RoomEvent) => webhooks.emit(event) : undefined;
  const rooms: RoomHost =
    config.workers > 0
      ? new WorkerPool(config, log, config.workers, configuredRooms, roomEvents)
      : new LocalRoomHost(
          config,
          log,
          new MemoryChatStore(config.rooms.chatHistorySize),
          createPolicyResolver(config, configuredRooms),
          undefined,
          roomEvents,
        );
  await checkUdpBuffers(config.rtc.udpSockets === "shared" ? sharedPortBufferBytes(config.rtc.udpBufferBytes) : config.rtc.udpBufferBytes, log);
  // The lobby's connectivity probes are peer connections of this thread: with RTC_UDP_PORT they
  // get the port after the workers' (a port is one thread's socket); without, a free one.
  const udpPort = config.rtc.udpPort === undefined ? undefined : mainThreadUdpPort(config.rtc.udpPort, config.workers);
  const portRange = threadPortRange(config.rtc, config.workers, config.workers);
  const signaling = new SignalingServer({ ...config, rtc: { ...config.rtc, udpPort, portRange } }, rooms, SERVER_VERSION, log);
  await openSharedUdpPort({ ...config.rtc, udpPort, portRange });
  log.info({ udpSockets: config.rtc.udpSockets, udpPort: config.rtc.udpPort }, `media UDP: ${describeUdpSockets(config)}`);
  // Every SFU thread decides the same way (same FASTPATH, same addon file): say it once here.
  const fastpath = describeFastPath(config.rtc.fastpath);
  log.info({ fastpath: fastpath.path, reason: fastpath.reason }, `per-packet path: ${fastpath.path} (${fastpath.reason})`);
  // Free memory inside malloc's arenas goes back to the system now and then (docs/decisions/0011).
  const memory = new MemoryReturner(log.child({ component: "memory" }));
  memory.start();
  const metrics = createMetrics(() => rooms.stats(), () => signaling.connectionCount, fastpath, memory.stats, config.rtc.udpSockets);
  if (webhooks) registerWebhookMetrics(metrics, webhooks);

  const apps: FastifyInstance[] = [];
  // `relay`: whether a TURN relay is offered to people whose network blocks direct media (no URLs, no credentials).
  const info = { auth: config.auth.mode, version: SERVER_VERSION, relay: config.turn.urls.length > 0 };
  const metricsAccess = { metricsToken: config.metricsToken, trustProxyHops: config.signaling.trustProxyHops };
  const admin: AdminApiOptions = {
    rooms,
    auth: new AdminAuth(config.auth, config.signaling.trustProxyHops, { burst: config.auth.adminLoginFailuresPerMinute, refillPerMinute: config.auth.adminLoginFailuresPerMinute }),
    defaults,
    log: log.child({ component: "admin-api" }),
  };
  const shared = { ...metricsAccess, readiness: () => rooms.readiness(), admin };
  const http = await createApp({ webRoot: config.webRoot, logger: log, metrics, info, ...shared });
  signaling.attach(http.server);
  apps.push(http);
  if (config.testFaults && rooms instanceof WorkerPool) {
    log.warn("CONFAB_TEST_FAULTS=1: test fault injection is on (POST /_test/crash-worker); never use this in production");
    const pool = rooms;
    registerTestFaults(http, (room) => pool.crashWorkerOf(room));
  }
  await http.listen({ port: config.port, host: config.host });
  const httpUrl = urlOf("http", http);

  let httpsUrl: string | undefined;
  if (config.httpsPort !== 0) {
    const tls = await loadTls(config, log);
    const https = await createApp({ webRoot: config.webRoot, logger: log, metrics, https: tls, info, ...shared });
    signaling.attach(https.server);
    apps.push(https);
    await https.listen({ port: Math.max(0, config.httpsPort), host: config.host });
    httpsUrl = urlOf("https", https);
  }

  let closing: Promise<void> | undefined;
  let draining: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      signaling.close();
      memory.stop();
      await Promise.all([rooms.close(), ...apps.map((a) => a.close())]);
      // The rooms' last events (participants left, rooms ended) get a moment to go out.
      await webhooks?.close(WEBHOOK_SHUTDOWN_GRACE_MS);
    })();
    return closing;
  };
  return {
    config,
    httpUrl,
    httpsUrl,
    rooms,
    log,
    webhooks,
    drain(timeoutMs = config.drainTimeoutMs) {
      draining ??= (async () => {
        const waitUntil = Date.now() + timeoutMs - closeReserveMs(timeoutMs);
        rooms.drain();
        signaling.drain(timeoutMs);
        log.info({ timeoutMs, meetings: rooms.stats().rooms }, "draining: no new meetings; closing when the last one ends or the time is up");
        while (!closing && rooms.stats().rooms > 0 && Date.now() < waitUntil) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(DRAIN_POLL_MS, Math.max(0, waitUntil - Date.now()))));
        }
        log.info({ meetings: rooms.stats().rooms }, "drained: closing every connection (4004)");
        await close();
      })();
      return draining;
    },
    close,
  };
}
