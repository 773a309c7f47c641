import { expect, test } from "../support/test.js";
import { join, roomName, screenshotPath } from "../support/room.js";

/** Things a first-time user ran into (issue 12), each pinned down by a test. */
test.describe("first visit", () => {
  test("an address that cannot be a room shows the app's bad-room page, not raw JSON", async ({ page }) => {
    for (const path of ["/team%20standup!", "/a/b/c"]) {
      const response = await page.goto(path);
      expect(response?.status(), path).toBe(404);
      await expect(page.getByRole("heading", { name: "This is not a meeting address" })).toBeVisible();
      await expect(page.getByRole("link", { name: "Go to the start page" })).toHaveAttribute("href", "/");
      await expect(page.locator("body")).not.toContainText('{"error"');
    }
  });

  test("a browser without WebRTC (like Debian's WebKitGTK) is told it cannot make calls instead of joining forever", async ({ browser }) => {
    const context = await browser.newContext();
    await context.addInitScript(() => {
      delete (window as { RTCPeerConnection?: unknown }).RTCPeerConnection;
    });
    const page = await context.newPage();
    await page.goto(`/${roomName("nowebrtc")}`);
    await page.getByTestId("display-name").fill("Saf");
    await expect(page.getByTestId("no-webrtc")).toBeVisible();
    await expect(page.getByTestId("join")).toBeDisabled();
    await context.close();
  });

  test("on a phone (390×844) a screen share fills the width, the people follow right below it, and no filmstrip tile is cut", async ({ browser }) => {
    test.setTimeout(240_000);
    const room = roomName("phone-screen");
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(`/${room}`);
    await page.getByTestId("display-name").fill("Pia");
    await page.getByTestId("join").click();
    await expect(page.locator("[data-testid=tile][data-local]")).toBeVisible();
    const bob = await join(browser, room, "Bob");
    await join(browser, room, "Cat");
    await bob.page.getByTestId("toggle-screen").click();

    const screen = page.locator(".stage__focus [data-testid=screen-tile]");
    await expect(screen).toHaveCount(1, { timeout: 30_000 });
    const strip = page.locator(".filmstrip [data-testid=tile]");
    await expect(strip).toHaveCount(3, { timeout: 30_000 });
    await expect.poll(() => screen.locator("video").evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 20_000 }).toBeGreaterThan(0);

    const stage = (await page.locator(".stage").boundingBox())!;
    const focus = (await screen.boundingBox())!;
    // The share is as wide as the stage allows (8 px padding each side) and sits at its top.
    expect(focus.width).toBeGreaterThanOrEqual(390 - 2 * 8 - 2);
    expect(focus.y - stage.y, "empty band above the screen").toBeLessThanOrEqual(16);
    // The filmstrip starts right below it: no band of black between them.
    const first = (await strip.first().boundingBox())!;
    expect(first.y - (focus.y + focus.height), "empty band below the screen").toBeLessThanOrEqual(16);
    // Every person's tile is whole inside the screen's width, and big enough to recognise someone.
    for (const box of await strip.evaluateAll((tiles) => tiles.map((t) => t.getBoundingClientRect().toJSON() as DOMRect))) {
      expect(box.left, "tile cut on the left").toBeGreaterThanOrEqual(0);
      expect(box.right, "tile cut on the right").toBeLessThanOrEqual(390);
      expect(box.width).toBeGreaterThanOrEqual(150);
    }
    // And no horizontal scrolling anywhere.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: screenshotPath("phone-screen-share") });
    await context.close();
  });
});
