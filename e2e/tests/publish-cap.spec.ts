import { ServerProcess } from "@confab/bots";
import { joinAt, roomName } from "../support/room.js";
import { expect, test } from "../support/test.js";

test("a browser publishing past the server's publish cap is told in the room that its camera was paused", async ({ browser }) => {
  test.setTimeout(90_000);
  // A server of its own with a bitrate cap a camera exceeds within seconds, and audio does not.
  const server = await ServerProcess.start({ RTC_MAX_PUBLISH_KBPS: "100", RTC_PUBLISH_CAP_COOLDOWN_MS: "60000" });
  try {
    const room = roomName("publishcap");
    const ann = await joinAt(browser, `${server.url}/${room}`, "Ann");
    await joinAt(browser, `${server.url}/${room}`, "Bob", false);
    await expect(ann.getByTestId("toast").filter({ hasText: "The server paused your camera" })).toBeVisible({ timeout: 30_000 });
    await expect.poll(async () => (await server.metrics()).confab_publisher_cap_pauses_total, { timeout: 5_000 }).toBeGreaterThanOrEqual(1);
    expect((await server.metrics()).confab_publisher_cap_drops_total).toBeGreaterThan(0);
  } finally {
    await server.stop();
  }
});
