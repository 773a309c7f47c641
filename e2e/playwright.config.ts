import { defineConfig } from "@playwright/test";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "@confab/bots/chromium";
import { SERVER_NODE_FLAGS } from "@confab/bots";

/** Port of the server the E2E suite starts (HTTP only, media on loopback). */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 8181);

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
      PORT: String(E2E_PORT),
      HOST: "127.0.0.1",
      HTTPS_PORT: "0",
      RTC_ANNOUNCED_IPS: "127.0.0.1",
      LOG_LEVEL: "warn",
    },
  },
});
