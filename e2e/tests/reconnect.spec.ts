import { expect, test } from "../support/test.js";
import { ServerProcess } from "@confab/bots";
import { roomName } from "../support/room.js";

/** A server of its own (the suite's shared one must not go down), on a fixed port so it can come back. */
const PORT = String(Number(process.env.E2E_PORT ?? 8181) + 1);

test("when the server goes away the room shows a reconnecting banner, and rejoins when it is back", async ({ browser }) => {
  let server = await ServerProcess.start({ PORT });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}/${roomName("phoenix")}`);
    await page.getByTestId("display-name").fill("Ann");
    await page.getByTestId("join").click();
    await expect(page.locator("[data-testid=tile][data-local]")).toBeVisible();

    await server.stop(true);
    await expect(page.getByRole("status").filter({ hasText: "Reconnecting" })).toBeVisible({ timeout: 10_000 });
    await expect(page.locator("[data-testid=tile][data-local]")).toBeVisible();

    server = await ServerProcess.start({ PORT });
    await expect(page.getByRole("status").filter({ hasText: "Reconnecting" })).toHaveCount(0, { timeout: 20_000 });
    await expect(page.getByTestId("toggle-mic")).toHaveAttribute("aria-pressed", "true");
  } finally {
    await context.close();
    await server.stop();
  }
});
