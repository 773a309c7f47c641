#!/usr/bin/env node
/**
 * Entry point of `npm start`: configuration from the environment, and a graceful drain on
 * SIGTERM or SIGINT (see `RunningServer.drain`): exit 0 within `DRAIN_TIMEOUT`; a second
 * signal exits at once.
 */
import os from "node:os";
import { loadApiCredentials } from "./auth/credentials.js";
import { ConfigError, loadConfig } from "./config/env.js";
import { createLogger } from "./log/createLogger.js";
import { startServer } from "./server.js";

/** With `DRAIN_TIMEOUT=0`, how long closing (4004 to every socket, workers) may take, ms. */
const MIN_CLOSE_MS = 2000;

async function main(): Promise<void> {
  let config;
  let credentials;
  try {
    config = loadConfig();
    credentials = loadApiCredentials(process.env, config.dataDir);
    config = { ...config, auth: { ...config.auth, ...credentials.credentials } };
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`confab: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger({ level: config.logLevel, format: config.logFormat, color: config.logColor });
  if (credentials.generated) {
    // Printed once, on the start that generated them; afterwards they are read from the file.
    log.warn(
      { apiKey: config.auth.apiKey, apiSecret: config.auth.apiSecret, file: credentials.file },
      "generated the API key and secret that sign join tokens (shown once; kept in the file named here, mode 0600)",
    );
  }
  const server = await startServer(config, log);
  const lan = Object.values(os.networkInterfaces())
    .flat()
    .filter((i) => i && i.family === "IPv4" && !i.internal)
    .map((i) => i!.address);
  const httpsPort = server.httpsUrl ? new URL(server.httpsUrl).port : undefined;
  log.info(
    {
      http: `http://localhost:${new URL(server.httpUrl).port}`,
      https: server.httpsUrl,
      lan: httpsPort ? lan.map((a) => `https://${a}:${httpsPort}`) : [],
    },
    `Confab is running (AUTH=${config.auth.mode}): open the http URL on this machine, or an https (LAN) URL from other devices`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A second signal during the drain: whoever sent it wants the process gone now.
      log.warn({ signal }, "second signal while draining: exiting now");
      void server.close();
      setTimeout(() => process.exit(0), 100).unref();
      return;
    }
    stopping = true;
    const timeoutMs = config.drainTimeoutMs;
    log.info({ signal, drainTimeoutMs: timeoutMs }, "shutting down gracefully (a second signal exits at once)");
    // Whatever hangs in closing, the process is gone by the deadline it announced.
    setTimeout(() => {
      log.warn("the drain deadline passed before everything closed; exiting");
      process.exit(0);
    }, Math.max(timeoutMs, MIN_CLOSE_MS)).unref();
    server.drain(timeoutMs).then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "closing failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
