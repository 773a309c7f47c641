import { expect, test } from "@playwright/test";
import { Bot } from "@confab/bots";
import { E2E_PORT } from "../playwright.config.js";
import { expectRemoteVideosAdvancing, join, roomName, tileOf, type Person } from "../support/room.js";

test.describe("a browser in a room of bots", () => {
  let bots: Bot[] = [];
  let person: Person | undefined;

  test.afterEach(async () => {
    await person?.context.close();
    await Promise.all(bots.map((b) => b.close()));
    bots = [];
    person = undefined;
  });

  test("a browser decodes the video of all 8 bots, and the bots receive the browser", async ({ browser }) => {
    const room = roomName("bots");
    const url = `http://127.0.0.1:${E2E_PORT}`;
    for (let i = 1; i <= 8; i++) {
      const bot = new Bot({ url, room, name: `Bot ${i}`, publish: { video: true, audio: true }, subscribe: true });
      bots.push(bot);
      await bot.join();
    }
    person = await join(browser, room, "Ann");
    await expectRemoteVideosAdvancing(person.page, 8);
    for (let i = 1; i <= 8; i++) await expect(tileOf(person.page, `Bot ${i}`)).toHaveCount(1);

    // The SFU forwards the browser's camera to the bots too: every bot assembles complete frames.
    await expect
      .poll(() => bots.filter((b) => b.receivedVideoFrames() > 10).length, { timeout: 30_000 })
      .toBe(8);
  });
});
