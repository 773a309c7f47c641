import { expect, test } from "../support/test.js";
import { roomName } from "../support/room.js";

test.describe("the lobby", () => {
  test("shows device pickers, a live microphone level and a passing connectivity test", async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`/${roomName("lobby")}`);
    await expect(page.getByTestId("connectivity")).toHaveAttribute("data-state", "ok", { timeout: 20_000 });
    await expect(page.getByLabel("Camera", { exact: true })).toBeEnabled();
    await expect(page.getByLabel("Microphone", { exact: true })).toBeEnabled();
    expect(await page.getByLabel("Camera", { exact: true }).locator("option").count()).toBeGreaterThan(0);
    // Chromium's fake microphone plays a tone: the meter moves.
    await expect.poll(() => page.getByTestId("mic-level").getAttribute("aria-valuenow").then(Number), { timeout: 10_000 }).toBeGreaterThan(0);
    // The preview plays, and a camera picked from the list replaces it.
    const preview = page.locator(".preview video");
    await expect.poll(() => preview.evaluate((v: HTMLVideoElement) => v.videoWidth)).toBeGreaterThan(0);
    const last = await page.getByLabel("Camera", { exact: true }).locator("option").last().getAttribute("value");
    await page.getByLabel("Camera", { exact: true }).selectOption(last!);
    await expect.poll(() => preview.evaluate((v: HTMLVideoElement) => v.videoWidth)).toBeGreaterThan(0);
    await context.close();
  });

  test("joining with the camera off shows the avatar to others", async ({ browser }) => {
    const room = roomName("camoff");
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`/${room}`);
    await page.getByRole("button", { name: "Turn off camera" }).click();
    await page.getByTestId("display-name").fill("Ann");
    await page.getByTestId("join").click();
    await expect(page.getByTestId("toggle-camera")).toHaveAttribute("aria-pressed", "false");
    const other = await browser.newContext();
    const bob = await other.newPage();
    await bob.goto(`/${room}`);
    await bob.getByTestId("display-name").fill("Bob");
    await bob.getByTestId("join").click();
    const annTile = bob.locator("[data-testid=tile][data-participant-id]").filter({ hasText: "Ann" });
    await expect(annTile.locator(".avatar")).toBeVisible();
    await context.close();
    await other.close();
  });
});
