import { expect, test } from "../support/test.js";
import { expectRemoteVideosAdvancing, join, roomName, screenshotPath, tileOf } from "../support/room.js";

test.describe("meeting features", () => {
  test("chat: Enter sends, everyone sees it, links are safe, hostile text stays inert, late joiners get history", async ({ browser }) => {
    const room = roomName("chat");
    const ann = await join(browser, room, "Ann");
    const bob = await join(browser, room, "Bob");

    await ann.page.getByTestId("chat-toggle").click();
    const input = ann.page.getByTestId("chat-input");
    await input.fill("hello from Ann");
    await input.press("Enter");
    await expect(ann.page.getByTestId("chat-message")).toHaveCount(1);
    await expect(ann.page.getByTestId("chat-message").first()).toContainText("hello from Ann");

    // Bob has the chat closed: an unread badge counts it.
    await expect(bob.page.getByTestId("chat-toggle")).toContainText("1");

    const hostile = [
      '<img src=x onerror="window.__pwned=1">',
      "<script>window.__pwned=2</script>",
      "javascript:window.__pwned=3",
      "see https://example.org/docs?a=1 please",
    ];
    for (const [i, text] of hostile.entries()) {
      await input.fill(text);
      await input.press("Enter");
      await expect(ann.page.getByTestId("chat-message")).toHaveCount(i + 2);
    }
    await bob.page.getByTestId("chat-toggle").click();
    await expect(bob.page.getByTestId("chat-message")).toHaveCount(5);
    for (const text of hostile) await expect(bob.page.getByTestId("chat-message").filter({ hasText: text })).toHaveCount(1);
    expect(await bob.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await bob.page.locator(".chat img, .chat script").count()).toBe(0);
    const links = bob.page.locator("[data-testid=chat-message] a");
    await expect(links).toHaveCount(1);
    await expect(links.first()).toHaveAttribute("href", "https://example.org/docs?a=1");
    await expect(links.first()).toHaveAttribute("rel", "noopener noreferrer");
    await bob.page.screenshot({ path: screenshotPath("chat-open") });

    const cat = await join(browser, room, "Cat");
    await cat.page.getByTestId("chat-toggle").click();
    await expect(cat.page.getByTestId("chat-message")).toHaveCount(5);
    await expect(cat.page.getByTestId("chat-message").first()).toContainText("hello from Ann");
  });

  test("raise hand: others see it on the tile and in the participants panel; R toggles it", async ({ browser }) => {
    const room = roomName("hand");
    const ann = await join(browser, room, "Ann");
    const bob = await join(browser, room, "Bob");
    await ann.page.getByTestId("raise-hand").click();
    await expect(ann.page.getByTestId("raise-hand")).toHaveAttribute("aria-pressed", "true");
    await expect(tileOf(bob.page, "Ann").getByTestId("hand-raised")).toBeVisible();
    await expect(bob.page.getByTestId("toast").filter({ hasText: "Ann" })).toHaveCount(1);
    await bob.page.getByTestId("participants-toggle").click();
    await expect(bob.page.getByTestId("participant").filter({ hasText: "Ann" }).getByRole("img", { name: "Hand raised" })).toBeVisible();
    await ann.page.keyboard.press("r");
    await expect(tileOf(bob.page, "Ann").getByTestId("hand-raised")).toHaveCount(0);
  });

  test("keyboard: M and V toggle devices, ? lists shortcuts, typing in chat triggers nothing", async ({ browser }) => {
    const room = roomName("keys");
    const ann = await join(browser, room, "Ann");
    const mic = ann.page.getByTestId("toggle-mic");
    await expect(mic).toHaveAttribute("aria-pressed", "true");
    await ann.page.keyboard.press("m");
    await expect(mic).toHaveAttribute("aria-pressed", "false");
    await ann.page.keyboard.press("v");
    await expect(ann.page.getByTestId("toggle-camera")).toHaveAttribute("aria-pressed", "false");
    await ann.page.keyboard.press("Shift+?");
    await expect(ann.page.getByTestId("help-dialog")).toBeVisible();
    await ann.page.keyboard.press("Escape");
    await expect(ann.page.getByTestId("help-dialog")).toHaveCount(0);
    await ann.page.keyboard.press("c");
    const input = ann.page.getByTestId("chat-input");
    await expect(input).toBeFocused();
    await input.pressSequentially("mvrp");
    await expect(mic).toHaveAttribute("aria-pressed", "false");
    await expect(ann.page.getByTestId("raise-hand")).toHaveAttribute("aria-pressed", "false");
    await expect(input).toHaveValue("mvrp");
  });

  test("screen share: shown to others as its own large tile, the presenter sees that they present", async ({ browser }) => {
    const room = roomName("screen");
    const ann = await join(browser, room, "Ann");
    const bob = await join(browser, room, "Bob");
    await ann.page.getByTestId("toggle-screen").click();
    await expect(ann.page.getByTestId("toggle-screen")).toHaveAttribute("aria-pressed", "true");
    await expect(ann.page.getByTestId("presenting")).toBeVisible();
    const screen = bob.page.locator("[data-testid=screen-tile]");
    await expect(screen).toHaveCount(1);
    // The speaker view puts the screen large, people in the filmstrip.
    await expect(bob.page.locator(".stage__focus [data-testid=screen-tile]")).toHaveCount(1);
    await expect
      .poll(() => screen.locator("video").evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 20_000 })
      .toBeGreaterThan(0);
    // People stay visible in the filmstrip (their video moved there, not lost).
    const strip = bob.page.locator(".filmstrip video");
    await expect(strip).toHaveCount(2);
    await expect
      .poll(() => strip.evaluateAll((videos: HTMLVideoElement[]) => videos.filter((v) => v.videoWidth > 0).length), { timeout: 20_000 })
      .toBe(2);
    await bob.page.screenshot({ path: screenshotPath("speaker-view-screen-share") });
    await ann.page.getByTestId("toggle-screen").click();
    await expect(screen).toHaveCount(0);
    await expect(ann.page.getByTestId("presenting")).toHaveCount(0);
  });

  test("layouts: the layout toggle switches grid and speaker view; pinning puts a person large", async ({ browser }) => {
    const room = roomName("layout");
    const ann = await join(browser, room, "Ann");
    const bob = await join(browser, room, "Bob");
    await expect(ann.page.locator(".grid [data-testid=tile]")).toHaveCount(2);
    await expectRemoteVideosAdvancing(ann.page, 1);
    await ann.page.screenshot({ path: screenshotPath("room-2") });
    await ann.page.getByTestId("layout-toggle").click();
    await expect(ann.page.locator(".stage__focus [data-testid=tile]")).toHaveCount(1);
    await expect(ann.page.locator(".filmstrip [data-testid=tile]")).toHaveCount(1);
    await ann.page.locator("[data-testid=tile][data-local]").hover();
    await ann.page.locator("[data-testid=tile][data-local]").getByRole("button", { name: /^Pin/ }).click();
    await expect(ann.page.locator(".stage__focus [data-testid=tile][data-local]")).toHaveCount(1);
    await ann.page.getByTestId("layout-toggle").click();
    await expect(ann.page.locator(".grid [data-testid=tile]")).toHaveCount(2);
  });

  test("active speaker: the tile of the person speaking is highlighted", async ({ browser }) => {
    const room = roomName("speak");
    const ann = await join(browser, room, "Ann");
    const bob = await join(browser, room, "Bob");
    // Bob is silent; Ann's fake microphone plays a tone.
    await bob.page.getByTestId("toggle-mic").click();
    await expect(tileOf(bob.page, "Ann")).toHaveAttribute("data-speaking", "", { timeout: 15_000 });
    await expect(ann.page.locator("[data-testid=tile][data-local]")).toHaveAttribute("data-speaking", "", { timeout: 15_000 });
  });

  test("reactions, invite link, connection quality and switching the camera mid-call", async ({ browser }) => {
    const room = roomName("extras");
    const ann = await join(browser, room, "Ann");
    const bob = await join(browser, room, "Bob");

    await ann.page.getByRole("button", { name: "Send a reaction" }).click();
    await ann.page.getByRole("button", { name: "🎉" }).click();
    await expect(bob.page.getByTestId("toast").filter({ hasText: "🎉" })).toHaveCount(1);

    await ann.context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await ann.page.getByRole("button", { name: "Copy invite link" }).click();
    await expect(ann.page.getByTestId("toast").filter({ hasText: "Invite link copied" })).toHaveCount(1);
    expect(await ann.page.evaluate(() => navigator.clipboard.readText())).toMatch(new RegExp(`/${room}$`));

    await expect(tileOf(bob.page, "Ann").getByTestId("quality")).toHaveAttribute("data-quality", /good|fair|poor/, { timeout: 15_000 });

    // A different camera, without rejoining: Bob keeps receiving Ann's video.
    await ann.page.getByRole("button", { name: "Settings" }).click();
    const camera = ann.page.getByLabel("Camera", { exact: true });
    const before = await ann.page.evaluate(() => document.querySelector<HTMLVideoElement>("[data-testid=tile][data-local] video")?.srcObject);
    const last = await camera.locator("option").last().getAttribute("value");
    await camera.selectOption(last!);
    await ann.page.keyboard.press("Escape");
    await expect.poll(() => ann.page.evaluate((b) => document.querySelector<HTMLVideoElement>("[data-testid=tile][data-local] video")?.srcObject !== b, before)).toBe(true);
    await expectRemoteVideosAdvancing(bob.page, 1);
    await expect(ann.page.locator("[data-testid=tile][data-local]")).toHaveCount(1);
  });

  test("the SFU sends RTCP sender reports for every forwarded stream (lip sync, RTT)", async ({ browser }) => {
    const room = roomName("sr");
    const ann = await join(browser, room, "Ann");
    const bob = await join(browser, room, "Bob");
    await expectRemoteVideosAdvancing(bob.page, 1);
    const kindsWithReports = () =>
      bob.page.evaluate(async () => {
        const kinds = new Set<string>();
        for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
          (await pc.getStats()).forEach((s: { type: string; kind?: string; remoteTimestamp?: number }) => {
            if (s.type === "remote-outbound-rtp" && s.remoteTimestamp) kinds.add(s.kind ?? "");
          });
        }
        return [...kinds].sort();
      });
    await expect.poll(kindsWithReports, { timeout: 10_000 }).toEqual(["audio", "video"]);
  });

  test("turning the camera off releases the device; turning it on brings the video back for others", async ({ browser }) => {
    const room = roomName("camlight");
    const ann = await join(browser, room, "Ann");
    const bob = await join(browser, room, "Bob");
    await expectRemoteVideosAdvancing(bob.page, 1);
    await ann.page.evaluate(() => {
      const video = document.querySelector<HTMLVideoElement>("[data-testid=tile][data-local] video");
      (window as unknown as { __camera?: MediaStreamTrack }).__camera = (video?.srcObject as MediaStream | null)?.getVideoTracks()[0];
    });
    await ann.page.getByTestId("toggle-camera").click();
    await expect(ann.page.getByTestId("toggle-camera")).toHaveAttribute("aria-pressed", "false");
    await expect
      .poll(() => ann.page.evaluate(() => (window as unknown as { __camera?: MediaStreamTrack }).__camera?.readyState))
      .toBe("ended");
    await expect(tileOf(bob.page, "Ann").locator(".avatar")).toBeVisible();

    await ann.page.getByTestId("toggle-camera").click();
    await expect(ann.page.getByTestId("toggle-camera")).toHaveAttribute("aria-pressed", "true");
    await expect(tileOf(bob.page, "Ann").locator(".avatar")).toHaveCount(0, { timeout: 15_000 });
    await expectRemoteVideosAdvancing(bob.page, 1);
  });
});
