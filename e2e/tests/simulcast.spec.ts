import { expectRemoteVideosAdvancing, join, roomName, sentLayers, tileOf, type Person } from "../support/room.js";
import { expect, test } from "../support/test.js";

/** The decoded height of the video in `name`'s tile (0 before the first frame). */
function videoHeight(person: Person, name: string): Promise<number> {
  return tileOf(person.page, name).locator("video").evaluate((v: HTMLVideoElement) => v.videoHeight);
}

/**
 * Whether `receiver` shows `publisher`'s video at the height the publisher sends layer `rid` at
 * right now. On a busy machine Chrome's CPU adaptation scales its layers down (720p sent as
 * 540p), so "the top layer" is the height the `f` stream has, not a fixed 720.
 */
async function receivesLayer(receiver: Person, publisher: Person, rid: "q" | "h" | "f"): Promise<string> {
  const shown = await videoHeight(receiver, publisher.name);
  const sent = await sentLayers(publisher.page);
  return shown > 0 && shown === sent[rid] ? "yes" : `showing ${shown}p while sending ${JSON.stringify(sent)}`;
}

test.describe("simulcast", () => {
  test("a camera is sent as three layers, and a small tile receives a lower layer than a large one", async ({ browser }) => {
    const room = roomName("simulcast");
    const ann = await join(browser, room, "Ann");
    const bob = await join(browser, room, "Bob");
    const cid = await join(browser, room, "Cid");
    await expectRemoteVideosAdvancing(cid.page, 2);

    // Ann's browser encodes 180p, 360p and 720p layers of its 1280×720 fake camera.
    await expect.poll(() => sentLayers(ann.page), { timeout: 20_000 }).toEqual({ q: 180, h: 360, f: 720 });

    // Cid: speaker view with Ann pinned large, Bob small in the filmstrip.
    await cid.page.getByTestId("layout-toggle").click();
    await tileOf(cid.page, "Ann").hover();
    await tileOf(cid.page, "Ann").getByRole("button", { name: /^Pin/ }).click();
    await expect(cid.page.locator(".stage__focus").getByText("Ann", { exact: true })).toBeVisible();
    await expect(cid.page.locator(".filmstrip").getByText("Bob", { exact: true })).toBeVisible();

    await expect.poll(() => receivesLayer(cid, ann, "f"), { timeout: 20_000 }).toBe("yes");
    await expect.poll(() => receivesLayer(cid, bob, "q"), { timeout: 20_000 }).toBe("yes");

    // Swap: pin Bob, and the layers follow the tiles.
    await tileOf(cid.page, "Bob").hover();
    await tileOf(cid.page, "Bob").getByRole("button", { name: /^Pin/ }).click();
    await expect.poll(() => receivesLayer(cid, bob, "f"), { timeout: 20_000 }).toBe("yes");
    await expect.poll(() => receivesLayer(cid, ann, "q"), { timeout: 20_000 }).toBe("yes");
    // Frames keep coming across the switches (one continuous stream per tile).
    await expectRemoteVideosAdvancing(cid.page, 2);
  });
});
