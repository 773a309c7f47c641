import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, test } from "../support/test.js";
import { expectRemoteVideosAdvancing, join, roomName, screenshotPath, type Person } from "../support/room.js";

/** Serious and critical axe-core findings on the page (WCAG 2.1 A/AA rules). */
async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

test.describe("language, phone and accessibility", () => {
  test("the lobby and the room have no serious or critical axe violations", async ({ browser }) => {
    const room = roomName("axe");
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto("/");
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto(`/${room}`);
    await expect(page.getByTestId("join")).toBeVisible();
    await page.getByTestId("display-name").fill("Ann");
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: screenshotPath("lobby") });
    await context.close();

    const ann = await join(browser, room, "Ann");
    const bob = await join(browser, room, "Bob");
    await ann.page.getByTestId("chat-toggle").click();
    expect(await seriousViolations(ann.page)).toEqual([]);
    await ann.page.getByTestId("participants-toggle").click();
    expect(await seriousViolations(ann.page)).toEqual([]);
  });

  test("a Russian browser gets the Russian interface with correct plurals", async ({ browser }) => {
    const room = roomName("ru");
    const context = await browser.newContext({ locale: "ru-RU" });
    const page = await context.newPage();
    await page.goto(`/${room}`);
    await expect(page.getByTestId("join")).toHaveText("Присоединиться");
    await expect(page.locator("html")).toHaveAttribute("lang", "ru");
    await page.getByTestId("display-name").fill("Анна");
    await page.getByTestId("join").click();
    await expect(page.getByText("1 участник", { exact: true })).toBeVisible();
    const others: Person[] = [];
    for (const name of ["Борис", "Вера"]) others.push(await join(browser, room, name));
    await expect(page.getByText("3 участника", { exact: true })).toBeVisible();
    await expect(page.getByTestId("leave")).toHaveAccessibleName("Выйти");
    await expectRemoteVideosAdvancing(page, 2);
    await page.screenshot({ path: screenshotPath("russian-ui") });
  });

  test("the language can be switched in settings", async ({ browser }) => {
    const ann = await join(browser, roomName("lang"), "Ann");
    await ann.page.getByRole("button", { name: "Settings" }).click();
    await ann.page.getByLabel("Language").selectOption("ru");
    await ann.page.keyboard.press("Escape");
    await expect(ann.page.getByTestId("leave")).toHaveAccessibleName("Выйти");
  });

  test("on a phone (390×844) the room has no horizontal scroll, 1–2 columns and reachable controls", async ({ browser }) => {
    const room = roomName("phone");
    const ann = await join(browser, room, "Ann");
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(`/${room}`);
    await page.getByTestId("display-name").fill("Bob");
    await page.getByTestId("join").click();
    await expect(page.locator("[data-testid=tile][data-participant-id]")).toHaveCount(1);
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(scroll).toBeLessThanOrEqual(0);
    const columns = await page.locator(".grid").evaluate((g) => getComputedStyle(g).gridTemplateColumns.split(" ").length);
    expect(columns).toBeLessThanOrEqual(2);
    for (const id of ["toggle-mic", "toggle-camera", "toggle-screen", "chat-toggle", "leave"]) {
      await expect(page.getByTestId(id)).toBeInViewport();
    }
    await page.getByTestId("chat-toggle").click();
    await expect(page.getByTestId("chat-input")).toBeInViewport();
    await page.getByTestId("chat-toggle").click();
    // Hidden behind the chat, Ann's video was paused at the SFU; it resumes when shown again.
    await expectRemoteVideosAdvancing(page, 1);
    await page.screenshot({ path: screenshotPath("phone") });
  });
});
