#!/usr/bin/env node
/** Entry point of `npm start`: configuration from the environment, graceful shutdown on signals. */
import os from "node:os";
import { loadApiCredentials } from "./auth/credentials.js";
import { ConfigError, loadConfig } from "./config/env.js";
import { createLogger } from "./log/createLogger.js";
import { startServer } from "./server.js";

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
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
