import { fileURLToPath } from "node:url";
import type { RunningServer } from "@confab/server";
import { startTestServer } from "@confab/server/testing";
import { Bot } from "@confab/bots";
import { remoteFrameCounts, recordPeerConnections, roomName, tileOf } from "../support/room.js";
import { expect, test } from "../support/test.js";

// The suite's server forwards every video; this one has LAST_N=1 and serves the built app.
let server: RunningServer;
const bots: Bot[] = [];

test.beforeAll(async () => {
  server = await startTestServer({ webRoot: fileURLToPath(new URL("../../packages/web/dist", import.meta.url)), rooms: { lastN: 1 } });
});

test.afterAll(async () => {
  await Promise.all(bots.map((b) => b.close()));
  await server?.close();
});

test("last-N: a withheld camera shows the avatar (data-withheld), and pinning it makes it play", async ({ browser }) => {
  const room = roomName("lastn");
  for (const name of ["Bot 01", "Bot 02"]) {
    const bot = new Bot({ url: server.httpUrl, room, name, publish: { video: true }, subscribe: false });
    bots.push(bot);
    await bot.join();
  }
  const context = await browser.newContext({ baseURL: server.httpUrl });
  await context.addInitScript(recordPeerConnections);
  const page = await context.newPage();
  await page.goto(`/${room}`);
  await page.getByTestId("display-name").fill("Ann");
  await page.getByTestId("join").click();

  // Nobody has spoken: the first to join is shown, the second is held back.
  const first = tileOf(page, "Bot 01");
  const second = tileOf(page, "Bot 02");
  await expect(second).toHaveAttribute("data-withheld", "true");
  await expect(first).not.toHaveAttribute("data-withheld", /.*/);
  await expect(second.locator(".avatar")).toBeVisible();
  await expect(second.getByTestId("video-withheld")).toHaveText("Video paused to save bandwidth");
  const firstId = (await first.getAttribute("data-participant-id"))!;
  const secondId = (await second.getAttribute("data-participant-id"))!;
  await expect.poll(async () => (await remoteFrameCounts(page))[firstId], { timeout: 30_000 }).toBeGreaterThan(0);

  // Pinning it releases it: it plays (from a keyframe) and its avatar goes.
  await second.hover();
  await second.getByRole("button", { name: /^Pin/ }).click();
  await expect(second).not.toHaveAttribute("data-withheld", /.*/);
  await expect.poll(async () => (await remoteFrameCounts(page))[secondId], { timeout: 30_000 }).toBeGreaterThan(0);
  await expect(second.locator(".avatar")).toHaveCount(0);
  await context.close();
});
