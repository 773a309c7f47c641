import type { Browser, Page } from "@playwright/test";
import { ServerProcess } from "@confab/bots";
import { E2E_PORT } from "../playwright.config.js";
import { expectRemoteVideosAdvancing, joinAt, remoteTiles, roomName, tileOf } from "../support/room.js";
import { expect, test } from "../support/test.js";

/** A server of its own (the suite's shared one must not die), on a fixed port so it can come back. */
const PORT = String(E2E_PORT + 6);

test("after the server is killed (SIGKILL) and started again on the same port, everyone is back in the room by themselves, with video and without ghosts", async ({ browser }) => {
  test.setTimeout(120_000);
  let server = await ServerProcess.start({ PORT });
  try {
    const room = roomName("sigkill");
    const ann = await joinAt(browser, `${server.url}/${room}`, "Ann");
    const bob = await joinAt(browser, `${server.url}/${room}`, "Bob");
    await expectRemoteVideosAdvancing(ann, 1);
    await expectRemoteVideosAdvancing(bob, 1);
    const before = [await tileOf(ann, "Bob").getAttribute("data-participant-id"), await tileOf(bob, "Ann").getAttribute("data-participant-id")];

    const killedAt = Date.now();
    await server.stop(true);
    for (const page of [ann, bob]) {
      await expect(page.getByRole("status").filter({ hasText: "Reconnecting" })).toBeVisible({ timeout: 15_000 });
    }
    server = await ServerProcess.start({ PORT });
    const startedAt = Date.now();

    // Nobody touches anything: both come back, each seeing the other once, with video.
    for (const page of [ann, bob]) await expect(page.getByRole("status").filter({ hasText: "Reconnecting" })).toHaveCount(0, { timeout: 30_000 });
    await expect(tileOf(ann, "Bob")).toHaveCount(1, { timeout: 30_000 });
    await expect(tileOf(bob, "Ann")).toHaveCount(1, { timeout: 30_000 });
    const inRoom = Date.now() - startedAt;
    await expectRemoteVideosAdvancing(ann, 1);
    await expectRemoteVideosAdvancing(bob, 1);
    const withVideo = Date.now() - startedAt;
    console.log(`server SIGKILL: everyone back in the room ${inRoom} ms after the new server listened (${startedAt - killedAt} ms after the kill), everyone's video advancing after ${withVideo} ms`);
    expect(inRoom).toBeLessThan(15_000);

    // No ghosts: one tile per other person everywhere, and the server counts exactly two.
    await expect(remoteTiles(ann)).toHaveCount(1);
    await expect(remoteTiles(bob)).toHaveCount(1);
    await expect.poll(async () => (await server.metrics()).confab_participants, { timeout: 5_000 }).toBe(2);
    // A new server knows nobody: they came back as new participants (a clean rejoin).
    const after = [await tileOf(ann, "Bob").getAttribute("data-participant-id"), await tileOf(bob, "Ann").getAttribute("data-participant-id")];
    expect(after).not.toEqual(before);
  } finally {
    await server.stop();
  }
});

test("when the SFU worker hosting the room crashes, everyone is back in the room by themselves, with video", async ({ browser }) => {
  test.setTimeout(120_000);
  const server = await ServerProcess.start({ PORT, WORKERS: "2", CONFAB_TEST_FAULTS: "1" });
  try {
    const room = roomName("workercrash");
    const ann = await joinAt(browser, `${server.url}/${room}`, "Ann");
    const bob = await joinAt(browser, `${server.url}/${room}`, "Bob");
    await expectRemoteVideosAdvancing(ann, 1);
    await expectRemoteVideosAdvancing(bob, 1);

    const crashedAt = Date.now();
    expect((await fetch(`${server.url}/_test/crash-worker?room=${room}`, { method: "POST" })).status).toBe(204);
    for (const page of [ann, bob]) await expect(page.getByRole("status").filter({ hasText: "Reconnecting" })).toHaveCount(0, { timeout: 30_000 });
    await expect(tileOf(ann, "Bob")).toHaveCount(1, { timeout: 30_000 });
    await expect(tileOf(bob, "Ann")).toHaveCount(1, { timeout: 30_000 });
    const inRoom = Date.now() - crashedAt;
    await expectRemoteVideosAdvancing(ann, 1);
    await expectRemoteVideosAdvancing(bob, 1);
    console.log(`SFU worker crash: everyone back in the room ${inRoom} ms after the crash, video advancing after ${Date.now() - crashedAt} ms`);
    await expect(remoteTiles(ann)).toHaveCount(1);
    await expect(remoteTiles(bob)).toHaveCount(1);
    await expect.poll(async () => (await server.metrics()).confab_participants, { timeout: 5_000 }).toBe(2);
  } finally {
    await server.stop();
  }
});
