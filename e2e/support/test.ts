import { test as base } from "@playwright/test";
import { Bot, type BotOptions } from "@confab/bots";
import { E2E_PORT } from "../playwright.config.js";

/** Bots joined by one test; all are closed when the test ends. */
export class BotPool {
  readonly all: Bot[] = [];

  /** Joins one bot to `room` on the E2E server. */
  async add(room: string, name: string, options: Omit<BotOptions, "url" | "room" | "name"> = {}): Promise<Bot> {
    const bot = new Bot({ url: `http://127.0.0.1:${E2E_PORT}`, room, name, ...options });
    this.all.push(bot);
    await bot.join();
    return bot;
  }

  /** Joins `count` publishing bots named "Bot 01"…; `configure` adjusts each one's options. */
  async fill(room: string, count: number, configure: (i: number) => Omit<BotOptions, "url" | "room" | "name"> = () => ({ publish: { video: true, audio: true } })): Promise<Bot[]> {
    const added: Bot[] = [];
    for (let i = 1; i <= count; i++) added.push(await this.add(room, `Bot ${String(i).padStart(2, "0")}`, configure(i)));
    return added;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.all.map((b) => b.close()));
  }
}

/**
 * Playwright's `test` for this suite: a `bots` fixture, and every browser context a test opens
 * (each person) is closed when it ends, so no one lingers in a room.
 */
export const test = base.extend<{ bots: BotPool; closeContexts: void }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies first
  bots: async ({}, use) => {
    const pool = new BotPool();
    await use(pool);
    await pool.closeAll();
  },
  closeContexts: [
    async ({ browser }, use) => {
      const before = new Set(browser.contexts());
      await use();
      await Promise.all(browser.contexts().filter((c) => !before.has(c)).map((c) => c.close()));
    },
    { auto: true },
  ],
});
export { expect } from "@playwright/test";
