import { pino } from "pino";
import { resolveConfig, type ConfigOverrides } from "../config/config.js";
import { startServer, type RunningServer } from "../server.js";

/**
 * A real server for tests: loopback only, a free port, no HTTPS, no web app, silent logs, one
 * SFU worker thread (the production path; tests that need more ask for `workers`), no resume
 * grace period (a closed socket leaves at once; tests of resuming ask for one).
 * `overrides` are merged over those (one level deep, like {@link resolveConfig}).
 */
export function startTestServer(overrides: ConfigOverrides = {}): Promise<RunningServer> {
  return startServer(
    resolveConfig({
      port: 0,
      host: "127.0.0.1",
      httpsPort: 0,
      webRoot: "/nonexistent",
      workers: 1,
      logLevel: "silent",
      ...overrides,
      // A closed socket leaves at once unless a test asks for a grace period (resume tests).
      rooms: { resumeGraceMs: 0, ...overrides.rooms },
      rtc: { announcedIps: ["127.0.0.1"], ...overrides.rtc },
    }),
    pino({ level: "silent" }),
  );
}

/** The signaling WebSocket URL of a running server. */
export function wsUrl(server: RunningServer): string {
  return `${server.httpUrl.replace("http", "ws")}/ws`;
}
