import type { Page } from "@playwright/test";
import { expect, test } from "../support/test.js";
import { join, remoteTiles, roomName, screenshotPath } from "../support/room.js";

/** framesDecoded of every inbound video stream of the page's connections, by track identifier. */
async function decodedByTrack(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const out: Record<string, number> = {};
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; trackIdentifier?: string; mid?: string; framesDecoded?: number }) => {
        if (s.type === "inbound-rtp" && s.kind === "video") out[s.mid ?? s.trackIdentifier ?? "?"] = s.framesDecoded ?? 0;
      });
    }
    return out;
  });
}

/** Which inbound videos decode new frames over `ms`. */
async function advancing(page: Page, ms = 3000): Promise<number> {
  const before = await decodedByTrack(page);
  await page.waitForTimeout(ms);
  const after = await decodedByTrack(page);
  return Object.entries(after).filter(([k, n]) => n > (before[k] ?? 0)).length;
}

test.describe("rooms of bots", () => {
  /** Publishing bots; only two with audio (a room of tones is noise), none subscribing. */
  const quietBots = (i: number) => ({ publish: { video: true, audio: i <= 2 }, subscribe: false });

  test("with 20 bots and 9 tiles per page, only the visible tiles' video is received", async ({ browser, bots }) => {
    test.setTimeout(180_000);
    const room = roomName("twenty");
    await bots.fill(room, 20, quietBots);
    const person = await join(browser, room, "Ann", () => localStorage.setItem("confab.pageSize", "9"));
    const page = person.page;
    // Page 1: own tile + 8 bots.
    await expect(page.locator(".grid [data-testid=tile]")).toHaveCount(9);
    await expect(page.getByText("Page 1 of 3")).toBeVisible();
    await expect.poll(() => advancing(page), { timeout: 30_000 }).toBe(8);
    await page.screenshot({ path: screenshotPath("room-20-page-1") });

    // Next page: 9 other bots are shown and received; the first page's 8 stop.
    await page.getByRole("button", { name: "Next page" }).click();
    await expect(page.getByText("Page 2 of 3")).toBeVisible();
    await expect(remoteTiles(page)).toHaveCount(9);
    await expect.poll(() => advancing(page), { timeout: 30_000 }).toBe(9);
  });

  test("a 9-person room fills a 3×3 grid", async ({ browser, bots }) => {
    const room = roomName("nine");
    await bots.fill(room, 8, quietBots);
    const person = await join(browser, room, "Ann");
    await expect(remoteTiles(person.page)).toHaveCount(8);
    await expect.poll(() => advancing(person.page), { timeout: 30_000 }).toBe(8);
    const columns = await person.page.locator(".grid").evaluate((g) => getComputedStyle(g).gridTemplateColumns.split(" ").length);
    expect(columns).toBe(3);
    await person.page.screenshot({ path: screenshotPath("room-9") });
  });
});
