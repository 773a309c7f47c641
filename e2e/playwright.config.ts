import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "@playwright/test";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "@confab/bots/chromium";
import { SERVER_ENV, SERVER_NODE_FLAGS } from "@confab/bots";

/** Port of the server the E2E suite starts (HTTP only, media on loopback). */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 8181);

/**
 * The E2E servers' API key and secret (fixed test values), so tests can mint join tokens with
 * the token CLI exactly as an operator would.
 */
export const E2E_API_KEY = "confab-e2e";
export const E2E_API_SECRET = "e2e-secret-0123456789abcdef0123456789abcdef";

// One data directory per run (room policies land here), shared by the runner and its workers
// through the environment they inherit.
process.env.CONFAB_E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), "confab-e2e-"));
/** DATA_DIR of the suite's server. */
export const E2E_DATA_DIR = process.env.CONFAB_E2E_DATA_DIR;

export default defineConfig({
  testDir: "tests",
  // Several browsers with fake cameras share 2 cores: run one test at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    viewport: { width: 1280, height: 720 },
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS],
    },
  },
  webServer: {
    command: `node ${SERVER_NODE_FLAGS.join(" ")} ../packages/server/dist/main.js`,
    url: `http://127.0.0.1:${E2E_PORT}/healthz`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      ...SERVER_ENV,
      PORT: String(E2E_PORT),
      HOST: "127.0.0.1",
      HTTPS_PORT: "0",
      RTC_ANNOUNCED_IPS: "127.0.0.1",
      LOG_LEVEL: "warn",
      API_KEY: E2E_API_KEY,
      API_SECRET: E2E_API_SECRET,
      DATA_DIR: E2E_DATA_DIR,
    },
  },
});
