import { expect, test } from "../support/test.js";
import { join, roomName, tileOf } from "../support/room.js";

/**
 * Makes getUserMedia behave as when the person denied the camera (NotAllowedError), the way
 * Chromium does, while the microphone still works.
 */
const denyCamera = () => {
  const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints?: MediaStreamConstraints) => {
    if (constraints?.video) throw new DOMException("Permission denied", "NotAllowedError");
    return original(constraints);
  };
};

/** As if the machine had no microphone at all (NotFoundError). */
const noMicrophone = () => {
  const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints?: MediaStreamConstraints) => {
    if (constraints?.audio) throw new DOMException("Requested device not found", "NotFoundError");
    return original(constraints);
  };
};

test.describe("missing or denied devices", () => {
  test("a person who denied the camera is told so and joins with the microphone only", async ({ browser }) => {
    const room = roomName("nocam");
    const context = await browser.newContext();
    await context.addInitScript(denyCamera);
    const page = await context.newPage();
    await page.goto(`/${room}`);
    await expect(page.getByRole("alert").first()).toBeVisible();
    await page.getByTestId("display-name").fill("Ann");
    await page.getByTestId("join").click();
    await expect(page.locator("[data-testid=tile][data-local]")).toBeVisible();

    const bob = await join(browser, room, "Bob");
    const annTile = tileOf(bob.page, "Ann");
    await expect(annTile).toHaveCount(1);
    await expect(annTile.getByTestId("mic-off")).toHaveCount(0);
  });

  test("a person without a microphone joins and is shown with mic-off", async ({ browser }) => {
    const room = roomName("nomic");
    await join(browser, room, "Ann", noMicrophone);
    const bob = await join(browser, room, "Bob");
    await expect(tileOf(bob.page, "Ann").getByTestId("mic-off")).toBeVisible();
  });
});

test("a display name with markup is shown as text", async ({ browser }) => {
  const room = roomName("names");
  const evil = '<img src=x onerror="window.__pwned=1">';
  const a = await join(browser, room, evil);
  const b = await join(browser, room, "Bob");
  await expect(tileOf(b.page, evil)).toHaveCount(1);
  expect(await b.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await b.page.locator("[data-testid=tile] img[src=x]").count()).toBe(0);
  await a.context.close();
  await b.context.close();
});
