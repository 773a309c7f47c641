import { chromium, type Browser } from "playwright-core";
import { Bot } from "../Bot.js";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../chromium.js";
import type { ScenarioResult } from "./scenario.js";
import { ServerProcess } from "./server-process.js";


/**
 * Join → first remote frame, as a person feels it: a fresh Chromium context opens the room,
 * types a name, clicks Join; the clock stops when the first frame of the bot already in the
 * room is presented (requestVideoFrameCallback), measured inside the page.
 */
export async function joinLatency(joins = 7): Promise<ScenarioResult> {
  const server = await ServerProcess.start();
  let browser: Browser | undefined;
  const room = `latency-${Date.now().toString(36)}`;
  const bot = new Bot({ url: server.url, room, name: "Bot", publish: { video: true, audio: true }, subscribe: false });
  try {
    const probe = await fetch(`${server.url}/standup`);
    if (probe.status !== 200) throw new Error(`the web app is not built (GET /standup → ${probe.status}); run npm run build`);
    await bot.join();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
    const samples: number[] = [];
    for (let i = 0; i < joins; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${server.url}/${room}`);
      const name = page.locator("input[data-testid=display-name]");
      await name.fill(`Person ${i}`);
      await page.locator("button[data-testid=join]:not([disabled])").waitFor();
      // Arm the frame watcher before clicking, so the first presented frame is caught.
      await page.evaluate(() => {
        const w = window as unknown as { __firstFrame: Promise<number>; __clicked: number };
        w.__firstFrame = new Promise<number>((resolve) => {
          const watch = () => {
            const video = document.querySelector<HTMLVideoElement>("[data-testid=tile][data-participant-id] video");
            if (video && video.srcObject) video.requestVideoFrameCallback(() => resolve(performance.now()));
            else requestAnimationFrame(watch);
          };
          watch();
        });
        document.querySelector("button[data-testid=join]")!.addEventListener("click", () => (w.__clicked = performance.now()), { capture: true });
      });
      await page.locator("button[data-testid=join]").click();
      const ms = await page.evaluate(async () => {
        const w = window as unknown as { __firstFrame: Promise<number>; __clicked: number };
        const frame = await Promise.race([w.__firstFrame, new Promise<number>((_, reject) => setTimeout(() => reject(new Error("no remote frame within 20 s")), 20_000))]);
        return frame - w.__clicked;
      });
      samples.push(ms);
      await context.close();
    }
    samples.sort((a, b) => a - b);
    const pick = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
    return { scenario: "join-latency", p50Ms: Math.round(pick(0.5)), p95Ms: Math.round(pick(0.95)), minMs: Math.round(samples[0]!), joins };
  } finally {
    await browser?.close();
    await bot.close();
    await server.stop();
  }
}
