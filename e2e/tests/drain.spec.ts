import type { Browser, Page } from "@playwright/test";
import { ServerProcess } from "@confab/bots";
import { E2E_PORT } from "../playwright.config.js";
import { expectRemoteVideosAdvancing, joinAt, remoteTiles, roomName, tileOf } from "../support/room.js";
import { expect, test } from "../support/test.js";

/** A server of its own (the suite's shared one must not go down), on a fixed port so it can come back. */
const PORT = String(E2E_PORT + 7);
/** The drain the server is given on SIGTERM, seconds (`DRAIN_TIMEOUT`). */
const DRAIN_SECONDS = 4;

const reconnecting = (page: Page) => page.getByRole("status").filter({ hasText: "Reconnecting" });

test("SIGTERM with two people in a room: both are told and see the reconnecting banner, the server exits 0 within DRAIN_TIMEOUT, and a restarted server has them back in the room within 10 s", async ({ browser }) => {
  test.setTimeout(120_000);
  const env = { PORT, DRAIN_TIMEOUT: String(DRAIN_SECONDS) };
  let server = await ServerProcess.start(env);
  try {
    const room = roomName("drain");
    const ann = await joinAt(browser, `${server.url}/${room}`, "Ann");
    const bob = await joinAt(browser, `${server.url}/${room}`, "Bob");
    await expectRemoteVideosAdvancing(ann, 1);
    await expectRemoteVideosAdvancing(bob, 1);

    const signalledAt = Date.now();
    server.signal("SIGTERM");
    // Told first (`draining`), while the meeting goes on…
    for (const page of [ann, bob]) await expect(page.getByText("The server is restarting")).toBeVisible({ timeout: 5_000 });
    // …then the server closes with 4004 and both reconnect by themselves.
    for (const page of [ann, bob]) await expect(reconnecting(page)).toBeVisible({ timeout: DRAIN_SECONDS * 1000 + 5_000 });
    const exit = await server.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    const drainedIn = exit.at - signalledAt;
    // The server keeps its deadline itself; the margin is a busy machine's timer lag only.
    expect(drainedIn).toBeLessThan(DRAIN_SECONDS * 1000 + 1000);

    server = await ServerProcess.start(env);
    const startedAt = Date.now();
    for (const page of [ann, bob]) await expect(reconnecting(page)).toHaveCount(0, { timeout: 10_000 });
    await expect(tileOf(ann, "Bob")).toHaveCount(1, { timeout: 10_000 });
    await expect(tileOf(bob, "Ann")).toHaveCount(1, { timeout: 10_000 });
    const inRoom = Date.now() - startedAt;
    await expectRemoteVideosAdvancing(ann, 1);
    await expectRemoteVideosAdvancing(bob, 1);
    console.log(`drain: server exited 0 ${drainedIn} ms after SIGTERM (DRAIN_TIMEOUT ${DRAIN_SECONDS} s); both back in the room ${inRoom} ms after the new server listened, video after ${Date.now() - startedAt} ms`);
    expect(inRoom).toBeLessThan(10_000);
    await expect(remoteTiles(ann)).toHaveCount(1);
    await expect(remoteTiles(bob)).toHaveCount(1);
    await expect.poll(async () => (await server.metrics()).confab_participants, { timeout: 5_000 }).toBe(2);
  } finally {
    await server.stop();
  }
});
