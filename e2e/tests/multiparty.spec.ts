import { expect, test } from "../support/test.js";
import {
  expectRemoteAudioFlowing,
  expectRemoteVideosAdvancing,
  inboundAudioPackets,
  join,
  remoteTiles,
  roomName,
  screenshotPath,
  tileOf,
  type Person,
} from "../support/room.js";

test.describe("a four-person room", () => {
  test("everyone sees and hears everyone; mute, leave and a late joiner are seen by all", async ({ browser }) => {
    test.setTimeout(240_000); // four browsers, then five: minutes on a busy 2-core machine
    const room = roomName("four");
    const people: Person[] = [];
    for (const name of ["Ann", "Bob", "Cat", "Dan"]) people.push(await join(browser, room, name));

    for (const p of people) {
      await expectRemoteVideosAdvancing(p.page, 3);
      await expectRemoteAudioFlowing(p.page, 3);
      for (const other of people.filter((o) => o !== p)) {
        await expect(tileOf(p.page, other.name)).toHaveCount(1);
      }
    }

    await people[0]!.page.screenshot({ path: screenshotPath("room-4") });

    // Ann mutes: the three others show her mic-off within 2 s.
    const ann = people[0]!;
    await expect(ann.page.getByTestId("toggle-mic")).toHaveAttribute("aria-pressed", "true");
    await ann.page.getByTestId("toggle-mic").click();
    await expect(ann.page.getByTestId("toggle-mic")).toHaveAttribute("aria-pressed", "false");
    for (const p of people.slice(1)) {
      await expect(tileOf(p.page, "Ann").getByTestId("mic-off")).toBeVisible({ timeout: 2_000 });
    }
    await ann.page.getByTestId("toggle-mic").click();
    for (const p of people.slice(1)) {
      await expect(tileOf(p.page, "Ann").getByTestId("mic-off")).toHaveCount(0, { timeout: 2_000 });
    }

    // Dan leaves: gone for the others within 2 s.
    const dan = people[3]!;
    await dan.page.getByTestId("leave").click();
    for (const p of people.slice(0, 3)) {
      await expect(tileOf(p.page, "Dan")).toHaveCount(0, { timeout: 2_000 });
      await expect(remoteTiles(p.page)).toHaveCount(2);
    }

    // Eve joins late and sees the three who are still there.
    const eve = await join(browser, room, "Eve");
    await expectRemoteVideosAdvancing(eve.page, 3);
    for (const name of ["Ann", "Bob", "Cat"]) await expect(tileOf(eve.page, name)).toHaveCount(1);
    for (const p of people.slice(0, 3)) await expect(tileOf(p.page, "Eve")).toHaveCount(1);
    // Eve's media reach the others in the sections Dan's left free (the server reuses them).
    for (const p of people.slice(0, 3)) {
      await expectRemoteVideosAdvancing(p.page, 3);
      await expectRemoteAudioFlowing(p.page, 3);
    }
  });

  test("when the first to join leaves (the sections that opened everyone's connection), the others keep their media and a newcomer's plays in the freed sections", async ({ browser }) => {
    test.setTimeout(240_000);
    const room = roomName("firstleaves");
    const ann = await join(browser, room, "Ann");
    const bob = await join(browser, room, "Bob");
    const cat = await join(browser, room, "Cat");
    for (const p of [bob, cat]) await expectRemoteVideosAdvancing(p.page, 2);
    await ann.page.getByTestId("leave").click();
    for (const p of [bob, cat]) await expect(tileOf(p.page, "Ann")).toHaveCount(0, { timeout: 5_000 });
    for (const p of [bob, cat]) await expectRemoteVideosAdvancing(p.page, 1);
    const dan = await join(browser, room, "Dan");
    for (const p of [bob, cat, dan]) {
      await expectRemoteVideosAdvancing(p.page, 2);
      // Bob's and Cat's pages still list Ann's first section (kept, silent): count the streams
      // that grow, not those that ever received.
      await expect
        .poll(async () => {
          const before = await inboundAudioPackets(p.page);
          await p.page.waitForTimeout(1500);
          const after = await inboundAudioPackets(p.page);
          return after.filter((n, i) => n > (before[i] ?? 0)).length;
        }, { timeout: 30_000 })
        .toBe(2);
    }
    // Bob's receiving connection: Ann's first section stays (it tags the BUNDLE group), her
    // second carries Dan's video, Dan's audio gets a new one: 5, where without reuse it is 6.
    const sections = await bob.page.evaluate(() =>
      ((window as unknown as { __pcs?: RTCPeerConnection[] }).__pcs ?? []).map((pc) => (pc.remoteDescription?.sdp ?? "").split("\r\n").filter((l) => l.startsWith("m=")).length),
    );
    expect(Math.max(...sections)).toBeLessThanOrEqual(5);
  });

  test("a participant whose browser closes disappears for the others within 2 s", async ({ browser }) => {
    const room = roomName("drop");
    const ann = await join(browser, room, "Ann");
    const bob = await join(browser, room, "Bob");
    await expect(tileOf(ann.page, "Bob")).toHaveCount(1);
    await bob.context.close();
    await expect(tileOf(ann.page, "Bob")).toHaveCount(0, { timeout: 2_000 });
  });
});
