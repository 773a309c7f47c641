import os from "node:os";
import type { LogFormat } from "../log/createLogger.js";
import { CHAT_HISTORY_LIMIT, MAX_SIGNAL_FRAME_BYTES } from "@confab/protocol";

/**
 * Every tunable of the server in one place, with safe defaults. Each field can be overridden
 * by an environment variable (named in its comment); see {@link loadConfig}.
 */
export interface ServerConfig {
  /** HTTP port (`PORT`, default 8080). 0 picks a free port. */
  port: number;
  /** Interface the HTTP(S) servers bind to (`HOST`, default `0.0.0.0`). */
  host: string;
  /**
   * HTTPS port for LAN clients (`HTTPS_PORT`, default 8443; 0 disables, -1 picks a free port).
   * Browsers expose camera and microphone only on secure origins; `localhost` counts as one,
   * other hosts need HTTPS.
   */
  httpsPort: number;
  /** PEM certificate and key for HTTPS (`TLS_CERT`, `TLS_KEY` file paths). Self-signed if unset. */
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  /** Where the server keeps state such as the generated certificate (`DATA_DIR`, default `./data`). */
  dataDir: string;
  /** Built web app to serve (`WEB_ROOT`, default packages/web/dist). */
  webRoot: string;
  /** pino log level (`LOG_LEVEL`, default `info`). */
  logLevel: string;
  /**
   * `json` (one object a line, for machines) or `pretty` (for people); `LOG_FORMAT`, default
   * `pretty` when stdout is a terminal, else `json`. SFU worker threads use the same.
   */
  logFormat: LogFormat;
  /** Colour pretty lines (stdout is a terminal and `NO_COLOR` is unset). */
  logColor: boolean;
  /** Allowed `Origin`s for the WebSocket upgrade (`ALLOWED_ORIGINS`, comma separated). Empty: same host only. */
  allowedOrigins: string[];
  /**
   * Host names browsers may reach the server by (`ALLOWED_HOSTS`, comma separated), besides
   * `localhost`, this machine's name and addresses, and `PUBLIC_URL`'s host. A browser's
   * WebSocket under any other `Host` is refused: a DNS-rebinding page cannot drive a session.
   */
  allowedHosts: string[];
  /** The address people use to reach this server (`PUBLIC_URL`), e.g. `https://meet.example.org`. */
  publicUrl: string | undefined;
  /**
   * Who may read `/metrics` (`METRICS_TOKEN`): unset, loopback clients only; set, anyone
   * sending `Authorization: Bearer <token>`.
   */
  metricsToken: string | undefined;
  /**
   * Test-only fault injection (`CONFAB_TEST_FAULTS=1`; off by default, never for production):
   * `POST /_test/crash-worker?room=<name>` from loopback makes the SFU worker thread hosting
   * that room throw an uncaught exception, as a bug would.
   */
  testFaults: boolean;
  /**
   * SFU worker threads (`WORKERS`, default one per core). Each room runs on one worker, placed
   * on the least loaded one. 0 runs rooms in the main thread (one core, no message relay).
   */
  workers: number;
  /**
   * Graceful shutdown on SIGTERM (`DRAIN_TIMEOUT`, in seconds, default 30): no new meetings,
   * meetings in progress go on for at most this long, then every socket is closed with
   * SERVER_SHUTDOWN (4004) and the process exits 0. 0 closes at once.
   */
  drainTimeoutMs: number;
  signaling: {
    /** Largest accepted frame, bytes. Larger frames close the socket with 1009. */
    maxFrameBytes: number;
    /** Time allowed between connect and `hello`, ms. */
    handshakeTimeoutMs: number;
    /** WebSocket ping interval, ms (`HEARTBEAT_INTERVAL_MS`). */
    heartbeatIntervalMs: number;
    /**
     * A socket silent (no pong, no message) for this long is dropped, ms
     * (`HEARTBEAT_TIMEOUT_MS`). Time the server itself was stalled (a paused process, a long
     * GC) does not count: a late server must not take everyone for dead.
     */
    heartbeatTimeoutMs: number;
    /** Invalid messages tolerated per connection before it is closed as a protocol violation. */
    maxInvalidMessages: number;
    /** Messages per second a connection may send (burst = this value). */
    maxMessagesPerSecond: number;
    /** Chat messages per second one participant may send (burst = this value). */
    maxChatPerSecond: number;
    /** Reactions per second one participant may send (burst = this value). */
    maxReactionsPerSecond: number;
    /**
     * Limits per client address (IPv6 by /64), so one address cannot open thousands of
     * sessions or claim every room: open sockets at once, new sockets, joins and new rooms per
     * minute (each also the burst allowed at once).
     */
    perAddress: {
      maxConnections: number;
      connectionsPerMinute: number;
      joinsPerMinute: number;
      roomsPerMinute: number;
    };
    /**
     * Loopback clients (tests, benchmarks, a local bot) are not limited per address
     * (`LIMIT_LOOPBACK=1` limits them too). Behind a reverse proxy set `TRUST_PROXY`, or every
     * client looks like the proxy.
     */
    exemptLoopback: boolean;
    /**
     * Reverse proxies in front of the server that append to `X-Forwarded-For` (`TRUST_PROXY`,
     * default 0): the client's address is the one the outermost of them saw.
     */
    trustProxyHops: number;
    /** A socket that lets this much of our output pile up unread is dropped, bytes. */
    maxBufferedBytes: number;
  };
  rooms: {
    /** Most participants in one room (`MAX_PARTICIPANTS`). */
    maxParticipants: number;
    /** Most rooms on this server (`MAX_ROOMS`). */
    maxRooms: number;
    /** Chat messages a room keeps for late joiners (`CHAT_HISTORY`). */
    chatHistorySize: number;
    /**
     * Last-N (`LAST_N`, default 0: no limit): the most remote camera videos forwarded to each
     * participant, those of the N most recent dominant speakers (people who never spoke follow,
     * in join order). Bounds every receiver's downlink and decoding in large rooms. Videos the
     * receiver pinned flow in addition; screen shares and audio are never held back.
     */
    lastN: number;
    /**
     * How long a participant whose connection dropped stays in its room, shown as
     * reconnecting, waiting to resume as itself (`RESUME_GRACE_MS`, default 30 s; 0: it leaves
     * at once).
     */
    resumeGraceMs: number;
  };
  auth: {
    /**
     * Who may join (`AUTH`): `open` (default) lets anyone in, and whoever starts a meeting in a
     * room nobody configured moderates it; `token` admits only people with a signed join token.
     */
    mode: "open" | "token";
    /**
     * Key and secret that sign and verify join tokens (`API_KEY`, `API_SECRET`; `npm start`
     * generates them into `DATA_DIR/api-credentials.json` on first start when unset). Empty:
     * the server makes an ephemeral pair at start (tests, embedding).
     */
    apiKey: string;
    apiSecret: string;
    /** Operator's pre-configured rooms, a JSON file (`ROOMS_FILE`); unset: none. */
    roomsFile: string | undefined;
    /**
     * Keep policies changed in meetings in `DATA_DIR/rooms/` so they survive a restart
     * (default); false keeps them in memory (tests).
     */
    persistPolicies: boolean;
    /** How long someone may wait in a lobby before being told nobody let them in, ms (`LOBBY_TIMEOUT_MS`). */
    lobbyTimeoutMs: number;
    /** Validity of the moderator link given to whoever starts a meeting in open mode, s. */
    moderatorLinkTtlSeconds: number;
    /**
     * Failed admin API logins (wrong or missing API key and secret) allowed per client address
     * at once and then per minute; past it every admin request from there gets 429.
     */
    adminLoginFailuresPerMinute: number;
  };
  rtc: {
    /**
     * IPv4 addresses the SFU offers as ICE host candidates (`RTC_ANNOUNCED_IPS`, comma
     * separated). Empty: every non-internal interface address plus 127.0.0.1.
     */
    announcedIps: string[];
    /** UDP port range for media (`RTC_PORT_MIN`/`RTC_PORT_MAX`); unset: ephemeral ports. */
    portRange: [number, number] | undefined;
    /**
     * How media UDP is received and sent (`RTC_UDP_SOCKETS`): `shared` (the default, and always
     * when `udpPort` is set), one socket per thread for all its connections, demultiplexed by
     * remote address (UdpMux), so one `sendmmsg` carries a whole fan-out; `connection`, werift's
     * socket per peer connection (docs/decisions/0012).
     */
    udpSockets: "shared" | "connection";
    /**
     * The shared sockets' fixed ports (`RTC_UDP_PORT`, with `udpSockets` `shared`): SFU worker
     * *i* listens on `udpPort + i`, the main thread (lobby probes) on `udpPort + workers`; in a
     * thread's own config it is that thread's port. Unset: each thread's shared socket takes a
     * free port of its `portRange` (an ephemeral one without a range).
     */
    udpPort: number | undefined;
    /** ICE servers handed to clients (`ICE_SERVERS` as JSON); none by default (no TURN). */
    iceServers: { urls: string | string[]; username?: string; credential?: string }[];
    /** Minimum interval between keyframe requests sent to one publisher, ms. */
    keyframeRequestIntervalMs: number;
    /**
     * Kernel receive and send buffer asked for each media UDP socket, bytes
     * (`RTC_UDP_BUFFER_BYTES`, default 1 MiB; 0 keeps the kernel's default, ~208 KiB on Linux).
     * Linux caps it at `net.core.rmem_max`/`wmem_max`; the server logs a warning when it does.
     */
    udpBufferBytes: number;
    /**
     * Find the server's public IPv4 address by a STUN binding request to this server
     * (`RTC_STUN_DISCOVERY`, `host:port`; unset: off) and announce it as a host candidate in
     * front of the others (for a VM behind 1:1 NAT). Ignored when `RTC_ANNOUNCED_IPS` is set.
     */
    stunDiscovery: string | undefined;
    /**
     * The per-packet path (`FASTPATH`): `native` (default) seals, opens and sends SRTP with the
     * `@confab/native` addon when it was built, else falls back to TypeScript; `js` forces the
     * TypeScript path (Node's crypto, one `dgram` send per packet). docs/decisions/0008.
     */
    fastpath: FastPathMode;
    /**
     * ICE-TCP (RFC 6544, `RTC_ICE_TCP=1`; default off): each media connection also offers a
     * passive TCP host candidate (a listening port from `RTC_PORT_MIN`–`RTC_PORT_MAX`), so a
     * client whose network blocks UDP but lets TCP out connects without a relay.
     */
    iceTcp: boolean;
    /**
     * Whether clients' loopback ICE candidates (127/8, ::1) are taken
     * (`RTC_ALLOW_LOOPBACK_CANDIDATES`: 1 or 0). Undefined: taken only when the SFU itself offers a
     * loopback host address (development and tests, where browsers, bots and TURN relays all sit
     * on 127.0.0.1), refused otherwise — a loopback candidate makes the SFU send STUN checks to
     * services on its own machine. See `loopbackCandidatesAllowed`.
     */
    allowLoopbackCandidates: boolean | undefined;
    /**
     * Publish cap per participant, over all its tracks: bitrate, kbit/s (`RTC_MAX_PUBLISH_KBPS`,
     * default 8000 — a 3-layer simulcast camera at ~2.5 Mbit/s, a screen share at ~2.5 Mbit/s
     * and audio fit with room to spare; 0: no cap). Past it and its burst, packets are
     * dropped; sustained, the track sending most is paused (`track.capped`). See PublishCap.
     */
    maxPublishKbps: number;
    /** Publish cap per participant: packets/s over all its tracks (`RTC_MAX_PUBLISH_PPS`, default 3000; 0: no cap). */
    maxPublishPacketsPerSecond: number;
    /** Burst allowed above the publish caps, ms of each (`RTC_PUBLISH_BURST_MS`, default 1000). */
    publishBurstMs: number;
    /** A track paused by the publish cap stays paused at least this long, ms (`RTC_PUBLISH_CAP_COOLDOWN_MS`, default 5000). */
    publishCapCooldownMs: number;
  };
  /**
   * TURN relay (coturn with `use-auth-secret`) for people whose network blocks UDP or direct
   * paths. Each participant gets its own short-lived credentials in `joined.iceServers`.
   */
  turn: {
    /** TURN URLs handed to clients (`TURN_URLS`, comma separated: `turn:…?transport=udp`, `turn:…?transport=tcp`, `turns:…:443`). Empty: no TURN. */
    urls: string[];
    /** The secret shared with coturn (`TURN_SECRET`, coturn's `static-auth-secret`). */
    secret: string;
    /** How long a participant's TURN credentials are valid, s (`TURN_TTL`, default 6 h). */
    ttlSeconds: number;
  };
  /**
   * Webhooks: room started / ended, participant joined / left, track published / unpublished,
   * POSTed as signed JSON (README, "Webhooks"). Delivery never holds up a meeting.
   */
  webhooks: {
    /** Receivers (`WEBHOOK_URLS`, comma separated http(s) URLs); empty: no webhooks. */
    urls: string[];
    /** Each request is given up after this long, ms (`WEBHOOK_TIMEOUT_MS`, default 5 s). */
    timeoutMs: number;
    /** Attempts per event and receiver, the first included (`WEBHOOK_MAX_ATTEMPTS`, default 5). */
    maxAttempts: number;
    /** Wait before the first retry, ms, doubled for each next one up to `retryMaxMs` (1 s, 30 s). */
    retryBaseMs: number;
    retryMaxMs: number;
    /**
     * Events waiting per receiver (`WEBHOOK_QUEUE_SIZE`, default 1000); when full, the oldest
     * is dropped, logged and counted (`confab_webhooks_dropped_total`).
     */
    queueSize: number;
  };
}

/** What `FASTPATH` asks for: the native addon when built, or the TypeScript path. */
export type FastPathMode = "native" | "js";

/** Default for each media socket's kernel receive and send buffers (`RTC_UDP_BUFFER_BYTES`). */
export const DEFAULT_UDP_BUFFER_BYTES = 1024 * 1024;

/** Defaults, used as-is by `npm start`. */
export const defaultConfig: ServerConfig = {
  port: 8080,
  host: "0.0.0.0",
  httpsPort: 8443,
  tlsCertFile: undefined,
  tlsKeyFile: undefined,
  dataDir: "data",
  webRoot: "",
  logLevel: "info",
  logFormat: "json",
  logColor: false,
  allowedOrigins: [],
  allowedHosts: [],
  publicUrl: undefined,
  metricsToken: undefined,
  testFaults: false,
  workers: os.availableParallelism(),
  drainTimeoutMs: 30_000,
  signaling: {
    maxFrameBytes: MAX_SIGNAL_FRAME_BYTES,
    handshakeTimeoutMs: 10_000,
    heartbeatIntervalMs: 1_000,
    heartbeatTimeoutMs: 5_000,
    maxInvalidMessages: 20,
    maxMessagesPerSecond: 50,
    maxChatPerSecond: 5,
    maxReactionsPerSecond: 4,
    perAddress: { maxConnections: 50, connectionsPerMinute: 120, joinsPerMinute: 60, roomsPerMinute: 10 },
    exemptLoopback: true,
    trustProxyHops: 0,
    maxBufferedBytes: 4 * 1024 * 1024,
  },
  rooms: {
    maxParticipants: 100,
    maxRooms: 1_000,
    chatHistorySize: CHAT_HISTORY_LIMIT,
    lastN: 0,
    resumeGraceMs: 30_000,
  },
  auth: {
    mode: "open",
    apiKey: "",
    apiSecret: "",
    roomsFile: undefined,
    persistPolicies: true,
    lobbyTimeoutMs: 5 * 60_000,
    moderatorLinkTtlSeconds: 7 * 24 * 3600,
    adminLoginFailuresPerMinute: 10,
  },
  rtc: {
    announcedIps: [],
    portRange: undefined,
    udpSockets: "shared",
    udpPort: undefined,
    iceServers: [],
    keyframeRequestIntervalMs: 500,
    udpBufferBytes: DEFAULT_UDP_BUFFER_BYTES,
    stunDiscovery: undefined,
    fastpath: "native",
    iceTcp: false,
    allowLoopbackCandidates: undefined,
    maxPublishKbps: 8000,
    maxPublishPacketsPerSecond: 3000,
    publishBurstMs: 1000,
    publishCapCooldownMs: 5000,
  },
  turn: { urls: [], secret: "", ttlSeconds: 6 * 3600 },
  webhooks: {
    urls: [],
    timeoutMs: 5_000,
    maxAttempts: 5,
    retryBaseMs: 1_000,
    retryMaxMs: 30_000,
    queueSize: 1_000,
  },
};

/** A partial config, deep by one level, for tests and embedding. */
export type ConfigOverrides = Partial<Omit<ServerConfig, "signaling" | "rooms" | "rtc" | "auth" | "turn" | "webhooks">> & {
  webhooks?: Partial<ServerConfig["webhooks"]>;
  signaling?: Partial<ServerConfig["signaling"]>;
  auth?: Partial<ServerConfig["auth"]>;
  rooms?: Partial<ServerConfig["rooms"]>;
  rtc?: Partial<ServerConfig["rtc"]>;
  turn?: Partial<ServerConfig["turn"]>;
};

/** Merges overrides over defaults. */
/** Fixed shared ports (`udpPort`) mean the shared sockets unless `udpSockets` was given. */
function withUdpSockets(rtc: ServerConfig["rtc"], asked: ServerConfig["rtc"]["udpSockets"] | undefined): ServerConfig["rtc"] {
  return asked === undefined && rtc.udpPort !== undefined ? { ...rtc, udpSockets: "shared" } : rtc;
}

export function resolveConfig(overrides: ConfigOverrides = {}, base: ServerConfig = defaultConfig): ServerConfig {
  return {
    ...base,
    ...overrides,
    signaling: { ...base.signaling, ...overrides.signaling },
    rooms: { ...base.rooms, ...overrides.rooms },
    auth: { ...base.auth, ...overrides.auth },
    rtc: withUdpSockets({ ...base.rtc, ...overrides.rtc }, overrides.rtc?.udpSockets),
    turn: { ...base.turn, ...overrides.turn },
    webhooks: { ...base.webhooks, ...overrides.webhooks },
  };
}
