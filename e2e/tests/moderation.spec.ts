import { expect, test } from "../support/test.js";
import { expectRemoteAudioFlowing, join, remoteTiles, roomName, tileOf } from "../support/room.js";
import { audioPacketsFrom, firstSeenAt, joinVia, mintLink, moderateTile, open, openParticipants, ownTile, pressJoin, watchClick, watchFor } from "../support/access.js";

test.describe("moderation", () => {
  // Three or four browsers with fake cameras on 2 shared cores: give each test room to finish.
  test.describe.configure({ timeout: 240_000 });

  test("the first person in a fresh room moderates, a plain link does not, the moderator link does", async ({ browser }) => {
    const room = roomName("roles");
    const ann = await join(browser, room, "Ann");
    await expect(ownTile(ann.page)).toHaveAttribute("data-role", "moderator");
    await expect(ann.page.getByTestId("end-meeting")).toBeVisible();

    const bob = await join(browser, room, "Bob");
    await expect(ownTile(bob.page)).toHaveAttribute("data-role", "participant");
    await expect(tileOf(bob.page, "Ann")).toHaveAttribute("data-role", "moderator");
    await expect(tileOf(ann.page, "Bob")).toHaveAttribute("data-role", "participant");
    // No moderator controls for Bob: none on tiles, none in the bar, none in the panel.
    await expect(bob.page.getByTestId("end-meeting")).toHaveCount(0);
    await expect(bob.page.getByTestId("participant-menu")).toHaveCount(0);
    await openParticipants(bob.page);
    await expect(bob.page.getByTestId("participant").filter({ hasText: "Ann" })).toContainText("Moderator");
    for (const id of ["mute-all", "lock-room", "lobby-switch", "room-password", "moderator-link"]) await expect(bob.page.getByTestId(id)).toHaveCount(0);
    // Ann sees a menu on Bob's tile and on his row.
    await expect(tileOf(ann.page, "Bob").getByTestId("participant-menu")).toHaveCount(1);
    await openParticipants(ann.page);
    await expect(ann.page.getByTestId("participant").filter({ hasText: "Bob" }).getByTestId("participant-menu")).toHaveCount(1);

    // Ann's moderator link makes whoever opens it a moderator; the token leaves the address bar.
    const link = await ann.page.getByTestId("moderator-link").inputValue();
    expect(link).toMatch(new RegExp(`/${room}\\?token=`));
    const cat = await open(browser, link, "Cat");
    await expect.poll(() => cat.page.url()).toBe(new URL(`/${room}`, link).href);
    await pressJoin(cat.page, "Cat");
    await expect(ownTile(cat.page)).toHaveAttribute("data-role", "moderator");
    await expect(cat.page.getByTestId("end-meeting")).toBeVisible();
    await expect(remoteTiles(bob.page).and(bob.page.locator("[data-role=moderator]"))).toHaveCount(2);
  });

  test("the moderator mutes Bob: every page shows it within 2 s and his audio stops arriving", async ({ browser }) => {
    const room = roomName("mute");
    const ann = await join(browser, room, "Ann");
    const bob = await join(browser, room, "Bob");
    const cat = await join(browser, room, "Cat");
    const bobId = (await tileOf(ann.page, "Bob").getAttribute("data-participant-id"))!;
    const catId = (await tileOf(ann.page, "Cat").getAttribute("data-participant-id"))!;
    for (const p of [ann, cat]) await expectRemoteAudioFlowing(p.page, 2);
    await expect(tileOf(ann.page, "Bob").getByTestId("mic-off")).toHaveCount(0);

    const bobMicOff = `[data-testid=tile][data-participant-id="${bobId}"] [data-testid=mic-off]`;
    await watchFor(ann.page, "bob-muted", bobMicOff);
    await watchFor(cat.page, "bob-muted", bobMicOff);
    await watchFor(bob.page, "bob-muted", "[data-testid=tile][data-local] [data-testid=mic-off]");
    const menu = tileOf(ann.page, "Bob").getByTestId("participant-menu");
    await menu.getByTestId("participant-menu-button").click();
    await watchClick(ann.page, "mute-click", "[data-testid=mute-participant]");
    await menu.getByTestId("mute-participant").click();
    const clickedAt = (await firstSeenAt(ann.page, "mute-click"))!;

    for (const p of [ann, cat, bob]) {
      await expect.poll(() => firstSeenAt(p.page, "bob-muted"), { intervals: [100], timeout: 10_000 }).toBeDefined();
      const seen = (await firstSeenAt(p.page, "bob-muted"))!;
      expect(seen - clickedAt, `ms until ${p.name}'s page showed Bob's mic-off`).toBeLessThanOrEqual(2_000);
    }
    await expect(bob.page.getByTestId("toast").filter({ hasText: "A moderator muted you" })).toBeVisible();
    await expect(bob.page.getByTestId("toggle-mic")).toHaveAttribute("aria-pressed", "false");

    // Bob's packets stop at Ann and Cat while Cat's keep coming to Ann.
    for (const p of [ann, cat]) {
      let last = -1;
      await expect
        .poll(
          async () => {
            const now = (await audioPacketsFrom(p.page, bobId)) ?? -2;
            const still = now === last;
            last = now;
            return still;
          },
          { intervals: [1_000], timeout: 15_000, message: `Bob's audio keeps arriving at ${p.name}` },
        )
        .toBe(true);
    }
    const bobBefore = await audioPacketsFrom(ann.page, bobId);
    const catBefore = (await audioPacketsFrom(ann.page, catId))!;
    // About two seconds of Cat's audio (50 packets/s) while Bob's count must not move.
    await expect.poll(async () => (await audioPacketsFrom(ann.page, catId))! - catBefore, { timeout: 15_000 }).toBeGreaterThan(100);
    expect(await audioPacketsFrom(ann.page, bobId)).toBe(bobBefore);
  });

  test("remove Bob: he sees the removed screen, his tile goes for all, and his link no longer admits him", async ({ browser }) => {
    const room = roomName("remove");
    const ann = await join(browser, room, "Ann");
    const bobLink = await mintLink(room, "Bob", "participant", { identity: `bob-${room}` });
    const bob = await joinVia(browser, bobLink, "Bob");
    const cat = await join(browser, room, "Cat");
    await expect(tileOf(cat.page, "Bob")).toHaveCount(1);

    await moderateTile(ann.page, tileOf(ann.page, "Bob"), "remove-participant");
    await expect(bob.page.getByTestId("removed-screen")).toBeVisible();
    for (const p of [ann, cat]) await expect(tileOf(p.page, "Bob")).toHaveCount(0);

    // The same link again: refused, with the removed screen; nobody sees Bob come back.
    await bob.page.goto(bobLink);
    await pressJoin(bob.page, "Bob");
    await expect(bob.page.getByTestId("removed-screen")).toBeVisible();
    await expect(bob.page.getByTestId("removed-screen")).toContainText("cannot rejoin");
    await expect(remoteTiles(ann.page)).toHaveCount(1);
    await expect(tileOf(ann.page, "Cat")).toHaveCount(1);
  });

  test("lobby: Carol waits, the moderator admits her and she sees everyone without a reload; Dave is denied and told", async ({ browser, bots }) => {
    const room = roomName("lobby");
    const ann = await join(browser, room, "Ann");
    // Bob is a bot: one browser fewer on a busy machine; Carol must still see him.
    await bots.add(room, "Bob", { publish: { video: true, audio: true } });
    await expect(tileOf(ann.page, "Bob")).toHaveCount(1);
    await openParticipants(ann.page);
    const lobby = ann.page.getByTestId("lobby-switch");
    await expect(lobby).toHaveAttribute("aria-pressed", "false");
    await lobby.click();
    await expect(lobby).toHaveAttribute("aria-pressed", "true");
    // The knock shows even with the participants panel closed.
    await ann.page.getByTestId("participants-toggle").click();
    await expect(ann.page.getByRole("complementary", { name: "Participants" })).toHaveCount(0);

    const carol = await open(browser, `/${room}`, "Carol");
    await carol.page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    await pressJoin(carol.page, "Carol");
    await expect(carol.page.getByTestId("lobby-waiting")).toBeVisible();
    const carolKnock = ann.page.getByTestId("knock-request").filter({ hasText: "Carol" });
    await expect(carolKnock).toHaveCount(1);
    await expect(remoteTiles(carol.page)).toHaveCount(0);
    await carolKnock.getByTestId("admit").click();

    await expect(carol.page.getByTestId("lobby-waiting")).toHaveCount(0);
    await expect(tileOf(carol.page, "Ann")).toHaveCount(1);
    await expect(tileOf(carol.page, "Bob")).toHaveCount(1);
    expect(await carol.page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await expect(tileOf(ann.page, "Carol")).toHaveCount(1);
    await expect(carolKnock).toHaveCount(0);
    await carol.context.close();

    const dave = await open(browser, `/${room}`, "Dave");
    await pressJoin(dave.page, "Dave");
    await expect(dave.page.getByTestId("lobby-waiting")).toBeVisible();
    const daveKnock = ann.page.getByTestId("knock-request").filter({ hasText: "Dave" });
    await daveKnock.getByTestId("deny").click();
    await expect(dave.page.getByTestId("join-error")).toHaveText("A moderator did not let you in.");
    await expect(dave.page.getByTestId("lobby-waiting")).toHaveCount(0);
    await expect(daveKnock).toHaveCount(0);
    await expect(tileOf(ann.page, "Dave")).toHaveCount(0);
  });

  test("password: set in the meeting, a newcomer is asked for it, a wrong one is refused, the right one joins", async ({ browser }) => {
    const room = roomName("password");
    const ann = await join(browser, room, "Ann");
    await openParticipants(ann.page);
    await ann.page.getByTestId("room-password").fill("open sesame 42");
    await ann.page.getByTestId("set-password").click();
    await expect(ann.page.getByTestId("password-state")).toHaveText("This meeting has a password.");

    const bob = await open(browser, `/${room}`, "Bob");
    await pressJoin(bob.page, "Bob");
    const field = bob.page.getByTestId("password-input");
    await expect(field).toBeVisible();
    await expect(bob.page.getByTestId("join-error")).toContainText("protected by a password");
    await field.fill("open sesame 41");
    await bob.page.getByTestId("join").click();
    await expect(bob.page.getByTestId("join-error")).toHaveText("Wrong password. Check it and try again.");
    await expect(field).toBeVisible();
    await expect(field).toBeFocused();
    await expect(tileOf(ann.page, "Bob")).toHaveCount(0);

    await field.fill("open sesame 42");
    await bob.page.getByTestId("join").click();
    await expect(ownTile(bob.page)).toBeVisible();
    await expect(tileOf(bob.page, "Ann")).toHaveCount(1);
    await expect(tileOf(ann.page, "Bob")).toHaveCount(1);
  });

  test("end the meeting: everyone sees the ended screen and nobody reconnects", async ({ browser }) => {
    const room = roomName("end");
    const ann = await join(browser, room, "Ann");
    const bob = await join(browser, room, "Bob");
    const cat = await join(browser, room, "Cat");
    await expect(bob.page.getByTestId("end-meeting")).toHaveCount(0);
    await ann.page.getByTestId("end-meeting").click();
    await ann.page.getByTestId("end-meeting-confirm").click();
    for (const p of [ann, bob, cat]) {
      await expect(p.page.getByTestId("ended-screen")).toBeVisible();
      await expect(p.page.getByTestId("ended-screen")).toContainText("ended the meeting for everyone");
    }
    for (const p of [ann, bob, cat]) {
      await expect(p.page.locator("[data-testid=tile]")).toHaveCount(0);
      await expect(p.page.getByRole("status").filter({ hasText: "Reconnecting" })).toHaveCount(0);
    }
  });
});
