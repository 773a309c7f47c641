import { fileURLToPath } from "node:url";
import path from "node:path";
import { logFormatFor } from "../log/createLogger.js";
import { defaultConfig, resolveConfig, type FastPathMode, type ServerConfig } from "./config.js";

/** Thrown when an environment variable holds a value the server cannot use. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer in [${min}, ${max}], got "${raw}"`);
  }
  return n;
}

function list(env: NodeJS.ProcessEnv, name: string): string[] {
  return (env[name] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** `WEBHOOK_URLS`: absolute http(s) URLs, comma separated (anything else is a ConfigError). */
export function webhookUrls(env: NodeJS.ProcessEnv): string[] {
  return list(env, "WEBHOOK_URLS").map((raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError(`WEBHOOK_URLS: "${raw}" is not a URL (give absolute http:// or https:// URLs, comma separated)`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ConfigError(`WEBHOOK_URLS: "${raw}" is not an http:// or https:// URL`);
    }
    if (url.username || url.password) {
      throw new ConfigError(`WEBHOOK_URLS: "${url.host}" carries credentials in the URL; requests are signed with API_SECRET instead`);
    }
    return url.href;
  });
}

function fastpath(env: NodeJS.ProcessEnv, fallback: FastPathMode): FastPathMode {
  const raw = env.FASTPATH;
  if (raw === undefined || raw === "") return fallback;
  if (raw !== "native" && raw !== "js") throw new ConfigError(`FASTPATH must be "native" or "js", got "${raw}"`);
  return raw;
}

/** Default location of the built web app: packages/web/dist next to this package. */
export function defaultWebRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, "../../../web/dist");
}

/** Builds the configuration from environment variables over {@link defaultConfig}. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, stdoutIsTerminal = process.stdout.isTTY === true): ServerConfig {
  const d = defaultConfig;
  const logging = logFormatFor(env, stdoutIsTerminal);
  if (typeof logging === "string") throw new ConfigError(logging);
  const portMin = env.RTC_PORT_MIN ? int(env, "RTC_PORT_MIN", 0, 1024, 65535) : undefined;
  const portMax = env.RTC_PORT_MAX ? int(env, "RTC_PORT_MAX", 0, 1024, 65535) : undefined;
  if ((portMin === undefined) !== (portMax === undefined) || (portMin !== undefined && portMax! <= portMin)) {
    throw new ConfigError("RTC_PORT_MIN and RTC_PORT_MAX must be set together, with MIN < MAX");
  }
  const workers = int(env, "WORKERS", d.workers, 0, 256);
  const udpPort = env.RTC_UDP_PORT ? int(env, "RTC_UDP_PORT", 0, 1024, 65535) : undefined;
  // RTC_UDP_PORT means the shared sockets (docs/decisions/0010); otherwise RTC_UDP_SOCKETS decides.
  const udpSockets = env.RTC_UDP_SOCKETS || (udpPort !== undefined ? "shared" : d.rtc.udpSockets);
  if (udpSockets !== "shared" && udpSockets !== "connection") {
    throw new ConfigError(`RTC_UDP_SOCKETS must be "shared" (one socket per thread) or "connection" (a socket per peer connection), not ${JSON.stringify(udpSockets.slice(0, 40))}`);
  }
  if (udpSockets === "connection" && udpPort !== undefined) {
    throw new ConfigError("RTC_UDP_PORT needs the shared sockets: unset RTC_UDP_SOCKETS=connection");
  }
  // One port per SFU worker and one for the lobby probes (WORKERS=0: one for all).
  const threads = workers + 1;
  if (udpSockets === "shared" && udpPort === undefined && portMin !== undefined && portMax! - portMin + 1 < (workers === 0 ? 1 : threads)) {
    throw new ConfigError(`RTC_PORT_MIN..RTC_PORT_MAX holds ${portMax! - portMin + 1} ports; one UDP socket per thread needs ${threads} (WORKERS + 1): widen the range, lower WORKERS, or set RTC_UDP_SOCKETS=connection`);
  }
  if (udpPort !== undefined && udpPort + workers > 65535) {
    throw new ConfigError(`RTC_UDP_PORT: ${udpPort} + ${workers} workers goes past port 65535`);
  }
  let iceServers = d.rtc.iceServers;
  if (env.ICE_SERVERS) {
    try {
      iceServers = JSON.parse(env.ICE_SERVERS) as ServerConfig["rtc"]["iceServers"];
      if (!Array.isArray(iceServers)) throw new Error("not an array");
    } catch (e) {
      throw new ConfigError(`ICE_SERVERS must be a JSON array of RTCIceServer: ${(e as Error).message}`);
    }
  }
  const turnUrls = list(env, "TURN_URLS");
  const turnSecret = env.TURN_SECRET ?? "";
  for (const url of turnUrls) {
    if (!/^turns?:[^\s?]+(\?transport=(udp|tcp))?$/.test(url)) throw new ConfigError(`TURN_URLS: "${url}" is not a turn: or turns: URL`);
  }
  if ((turnUrls.length > 0) !== (turnSecret !== "")) throw new ConfigError("TURN_URLS and TURN_SECRET must be set together");
  if (turnSecret !== "" && turnSecret.length < 16) throw new ConfigError("TURN_SECRET must be at least 16 characters");
  const stunDiscovery = env.RTC_STUN_DISCOVERY || undefined;
  if (stunDiscovery !== undefined && !/^[^\s:]+:\d{1,5}$/.test(stunDiscovery)) {
    throw new ConfigError(`RTC_STUN_DISCOVERY must be host:port, got "${stunDiscovery}"`);
  }
  const loopbackCandidates = env.RTC_ALLOW_LOOPBACK_CANDIDATES || undefined;
  if (loopbackCandidates !== undefined && loopbackCandidates !== "0" && loopbackCandidates !== "1") {
    throw new ConfigError(`RTC_ALLOW_LOOPBACK_CANDIDATES must be 1 or 0, got "${loopbackCandidates}"`);
  }
  const mode = env.AUTH || d.auth.mode;
  if (mode !== "open" && mode !== "token") throw new ConfigError(`AUTH must be "open" or "token", got "${mode}"`);
  return resolveConfig({
    port: int(env, "PORT", d.port, 0, 65535),
    host: env.HOST || d.host,
    httpsPort: int(env, "HTTPS_PORT", d.httpsPort, -1, 65535),
    tlsCertFile: env.TLS_CERT || undefined,
    tlsKeyFile: env.TLS_KEY || undefined,
    dataDir: env.DATA_DIR || d.dataDir,
    webRoot: env.WEB_ROOT || defaultWebRoot(),
    logLevel: env.LOG_LEVEL || d.logLevel,
    logFormat: logging.format,
    logColor: logging.color,
    allowedOrigins: list(env, "ALLOWED_ORIGINS"),
    allowedHosts: list(env, "ALLOWED_HOSTS"),
    publicUrl: env.PUBLIC_URL || undefined,
    metricsToken: env.METRICS_TOKEN || undefined,
    testFaults: env.CONFAB_TEST_FAULTS === "1",
    workers,
    drainTimeoutMs: int(env, "DRAIN_TIMEOUT", d.drainTimeoutMs / 1000, 0, 3600) * 1000,
    signaling: {
      heartbeatIntervalMs: int(env, "HEARTBEAT_INTERVAL_MS", d.signaling.heartbeatIntervalMs, 100, 60_000),
      heartbeatTimeoutMs: int(env, "HEARTBEAT_TIMEOUT_MS", d.signaling.heartbeatTimeoutMs, 200, 300_000),
      trustProxyHops: int(env, "TRUST_PROXY", d.signaling.trustProxyHops, 0, 10),
      exemptLoopback: env.LIMIT_LOOPBACK !== "1",
    },
    rooms: {
      maxParticipants: int(env, "MAX_PARTICIPANTS", d.rooms.maxParticipants, 1, 10_000),
      maxRooms: int(env, "MAX_ROOMS", d.rooms.maxRooms, 1, 1_000_000),
      chatHistorySize: int(env, "CHAT_HISTORY", d.rooms.chatHistorySize, 0, 100_000),
      lastN: int(env, "LAST_N", d.rooms.lastN, 0, 10_000),
      resumeGraceMs: int(env, "RESUME_GRACE_MS", d.rooms.resumeGraceMs, 0, 600_000),
    },
    auth: {
      mode,
      roomsFile: env.ROOMS_FILE || undefined,
      lobbyTimeoutMs: int(env, "LOBBY_TIMEOUT_MS", d.auth.lobbyTimeoutMs, 1_000, 24 * 3600_000),
    },
    rtc: {
      announcedIps: list(env, "RTC_ANNOUNCED_IPS"),
      portRange: portMin !== undefined && portMax !== undefined ? [portMin, portMax] : undefined,
      udpSockets,
      udpPort,
      iceServers,
      udpBufferBytes: int(env, "RTC_UDP_BUFFER_BYTES", d.rtc.udpBufferBytes, 0, 256 * 1024 * 1024),
      stunDiscovery,
      fastpath: fastpath(env, d.rtc.fastpath),
      iceTcp: env.RTC_ICE_TCP === "1",
      allowLoopbackCandidates: loopbackCandidates === undefined ? undefined : loopbackCandidates === "1",
      maxPublishKbps: int(env, "RTC_MAX_PUBLISH_KBPS", d.rtc.maxPublishKbps, 0, 10_000_000),
      maxPublishPacketsPerSecond: int(env, "RTC_MAX_PUBLISH_PPS", d.rtc.maxPublishPacketsPerSecond, 0, 1_000_000),
      publishBurstMs: int(env, "RTC_PUBLISH_BURST_MS", d.rtc.publishBurstMs, 50, 10_000),
      publishCapCooldownMs: int(env, "RTC_PUBLISH_CAP_COOLDOWN_MS", d.rtc.publishCapCooldownMs, 0, 600_000),
    },
    turn: {
      urls: turnUrls,
      secret: turnSecret,
      // At least a minute (a join must be able to use them), at most a week.
      ttlSeconds: int(env, "TURN_TTL", d.turn.ttlSeconds, 60, 7 * 24 * 3600),
    },
    webhooks: {
      urls: webhookUrls(env),
      timeoutMs: int(env, "WEBHOOK_TIMEOUT_MS", d.webhooks.timeoutMs, 100, 120_000),
      maxAttempts: int(env, "WEBHOOK_MAX_ATTEMPTS", d.webhooks.maxAttempts, 1, 20),
      queueSize: int(env, "WEBHOOK_QUEUE_SIZE", d.webhooks.queueSize, 1, 1_000_000),
    },
  });
}
