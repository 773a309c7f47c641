import { Bot } from "../Bot.js";

/**
 * The bots one test file joins to its test server, closed together at the end. Tests that
 * make a bot themselves (other options, joined later) hand it over with {@link add}.
 */
export class TestBots {
  private bots: Bot[] = [];

  /** @param url the server's http base URL, read at each join (the server starts in `beforeAll`). */
  constructor(private readonly url: () => string) {}

  /** A bot joined to `room` as `name`, sending VP8 video and Opus audio when `publish`. */
  async join(room: string, name: string, publish: boolean): Promise<Bot> {
    const bot = new Bot({ url: this.url(), room, name, publish: publish ? { video: true, audio: true } : {} });
    this.bots.push(bot);
    await bot.join();
    return bot;
  }

  /** Closes these bots too, with the others. */
  add(...bots: Bot[]): void {
    this.bots.push(...bots);
  }

  /** Closes every bot joined or added so far; idempotent (and the group can be used again). */
  async close(): Promise<void> {
    const bots = this.bots;
    this.bots = [];
    await Promise.all(bots.map((b) => b.close()));
  }
}
