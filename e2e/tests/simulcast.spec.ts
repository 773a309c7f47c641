import { expectRemoteVideosAdvancing, join, roomName, sentLayers, tileOf, type Person } from "../support/room.js";
import { expect, test } from "../support/test.js";

/** The decoded height of the video in `name`'s tile (0 before the first frame). */
function videoHeight(person: Person, name: string): Promise<number> {
  return tileOf(person.page, name).locator("video").evaluate((v: HTMLVideoElement) => v.videoHeight);
}

const RIDS = ["q", "h", "f"] as const;

/**
 * Which of `publisher`'s layers `receiver` shows now: the rid whose height, as the publisher
 * sends it right now, is the decoded height (on a busy machine Chrome's CPU adaptation scales
 * its layers down, 720p sent as 540p, so heights are read, not assumed), with what was seen.
 */
async function shownLayer(receiver: Person, publisher: Person): Promise<{ layer: number; seen: string }> {
  const shown = await videoHeight(receiver, publisher.name);
  const sent = await sentLayers(publisher.page);
  const layer = shown > 0 ? RIDS.findIndex((rid) => sent[rid] === shown) : -1;
  return { layer, seen: `${publisher.name} shown at ${shown}p while sent as ${JSON.stringify(sent)}` };
}

/**
 * The pinned (large) tile shows a higher layer of its publisher than the filmstrip (small)
 * tile, which shows the lowest one. Which layer the large tile gets also depends on the
 * receiver's bandwidth estimate: on a loaded machine the delay-based estimate can hold it at
 * `h` (the allocator's own tests cover the budget); the order of the two is what the tiles decide.
 */
async function largeAboveSmall(receiver: Person, large: Person, small: Person): Promise<string> {
  const [big, little] = [await shownLayer(receiver, large), await shownLayer(receiver, small)];
  return big.layer > little.layer && little.layer === 0 ? "yes" : `${big.seen}; ${little.seen}`;
}

test.describe("simulcast", () => {
  test("a camera is sent as three layers, and a small tile receives a lower layer than a large one", async ({ browser, request }) => {
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

    await expect.poll(() => largeAboveSmall(cid, ann, bob), { timeout: 30_000 }).toBe("yes");

    // Swap: pin Bob, and the layers follow the tiles.
    await tileOf(cid.page, "Bob").hover();
    await tileOf(cid.page, "Bob").getByRole("button", { name: /^Pin/ }).click();
    await expect.poll(() => largeAboveSmall(cid, bob, ann), { timeout: 30_000 }).toBe("yes");
    // Frames keep coming across the switches (one continuous stream per tile).
    await expectRemoteVideosAdvancing(cid.page, 2);
    // Most of the browsers' packets went by Confab's own lane (rtpLane): werift routed each
    // layer's first packet (by its rid), the lane the packets after it.
    const metrics = await (await request.get("/metrics")).text();
    const received = Number(/^confab_rtp_packets_received_total (\d+)$/m.exec(metrics)?.[1]);
    expect(received).toBeGreaterThan(0);
    expect(Number(/^confab_rtp_lane_packets_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(received / 2);
  });
});
