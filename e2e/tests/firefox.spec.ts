import type { Browser, Page as FirefoxPage } from "puppeteer-core";
import {
  click,
  expectAudioFlowing,
  expectVideosAdvancing,
  firefoxLayers,
  joinFirefox,
  launchFirefox,
  pickDevice,
  pressed,
  remoteTiles as firefoxTiles,
  rtpStats,
  startXvfb,
  TEST_PATTERN_CAMERA,
  TEST_PATTERN_MICROPHONE,
  type FirefoxPerson,
} from "../support/firefox.js";
import {
  expectRemoteAudioFlowing,
  expectRemoteVideosAdvancing,
  join,
  remoteTiles,
  roomName,
  sentLayers,
  tileOf,
  type Person,
} from "../support/room.js";
import { expect, test } from "../support/test.js";

/** Decoded size of the video in `name`'s tile on a Chromium page. */
function videoSize(person: Person, name: string): Promise<{ width: number; height: number }> {
  return tileOf(person.page, name)
    .locator("video")
    .evaluate((v: HTMLVideoElement) => ({ width: v.videoWidth, height: v.videoHeight }));
}

/**
 * Whether a Chromium `receiver` shows the Firefox publisher's video at the height Firefox sends
 * layer `rid` at right now (read from Firefox's own outbound-rtp statistics).
 */
async function receivesFirefoxLayer(receiver: Person, fox: FirefoxPerson, rid: "q" | "h" | "f" | "top"): Promise<string> {
  const { height } = await videoSize(receiver, fox.name);
  const sent = await firefoxLayers(fox.page);
  // "top": the highest layer Firefox sends now (on a busy machine its CPU adaptation may hold
  // the 720p layer back: then a pinned tile gets 360p, the best there is).
  const wanted = rid === "top" ? (["f", "h", "q"] as const).find((r) => (sent[r]?.height ?? 0) > 0 && (sent[r]?.packets ?? 0) > 0) : rid;
  return height > 0 && wanted !== undefined && height === sent[wanted]?.height ? "yes" : `showing ${height}p while Firefox sends ${JSON.stringify(sent)}`;
}

/** Whether the Firefox page shows `publisher`'s (Chromium) video at the height of its layer `rid`. */
async function firefoxReceivesLayer(fox: FirefoxPerson, publisher: Person, rid: "q" | "h" | "f" | "top"): Promise<string> {
  const shown = (await firefoxTiles(fox.page)).find((t) => t.name === publisher.name)?.height ?? 0;
  const sent = await sentLayers(publisher.page);
  // "top": the highest layer the publisher sends now (Chrome's CPU adaptation may hold f back).
  const wanted = rid === "top" ? ["f", "h", "q"].find((r) => (sent[r] ?? 0) > 0) : rid;
  return shown > 0 && wanted !== undefined && shown === sent[wanted] ? "yes" : `showing ${shown}p while ${publisher.name} sends ${JSON.stringify(sent)}`;
}

/** Pins `name`'s tile on a Firefox page, in speaker view. */
async function pinOnFirefox(page: FirefoxPage, name: string): Promise<void> {
  await page.evaluate((wanted) => {
    const tile = [...document.querySelectorAll("[data-testid=tile][data-participant-id]")].find(
      (t) => t.querySelector("[data-testid=tile-name]")?.textContent === wanted,
    );
    const pin = [...(tile?.querySelectorAll("button") ?? [])].find((b) => /^Pin/.test(b.getAttribute("aria-label") ?? ""));
    if (!pin) throw new Error(`no pin button on ${wanted}'s tile`);
    pin.click();
  }, name);
}

/** Pins `name` on a Chromium page (speaker view must be on). */
async function pin(person: Person, name: string): Promise<void> {
  await tileOf(person.page, name).hover();
  await tileOf(person.page, name).getByRole("button", { name: /^Pin/ }).click();
}

test.describe("Firefox", () => {
  // Three or four browsers and several phases per test on a 2-core machine.
  test.describe.configure({ timeout: 240_000 });
  let firefox: Browser;
  const opened: FirefoxPage[] = [];

  test.beforeAll(async () => {
    firefox = await launchFirefox();
  });
  test.afterEach(async () => {
    await Promise.all(opened.splice(0).map((p) => p.close().catch(() => undefined)));
  });
  test.afterAll(async () => {
    await firefox?.close();
  });

  async function joinFox(baseURL: string | undefined, room: string, name = "Fox", browser = firefox, testPatternDevices = false): Promise<FirefoxPerson> {
    const fox = await joinFirefox(browser, baseURL!, room, name, { testPatternDevices });
    opened.push(fox.page);
    return fox;
  }

  test("a mixed room (Firefox + 2 Chromium): everyone decodes everyone's video at its real size and hears everyone; mute, camera off/on and leaving are seen", async ({ browser, baseURL }) => {
    const room = roomName("mixed");
    const ann = await join(browser, room, "Ann");
    const bob = await join(browser, room, "Bob");
    const fox = await joinFox(baseURL, room);

    // Firefox sees and hears both Chromium users, at the size they send.
    const seen = await expectVideosAdvancing(fox.page, ["Ann", "Bob"]);
    for (const tile of seen) expect(tile.width * 9, `${tile.name} at ${tile.width}×${tile.height}`).toBe(tile.height * 16);
    await expectAudioFlowing(fox.page, 2);
    // Firefox accepts retransmissions (RTX) on the video the SFU sends it: its answer keeps them.
    const rtxInAnswer = await fox.page.evaluate(() =>
      (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs
        .filter((pc) => pc.connectionState !== "closed" && pc.localDescription?.type === "answer")
        .map((pc) => /a=rtpmap:\d+ rtx\/90000/.test(pc.localDescription!.sdp)),
    );
    expect(rtxInAnswer).toEqual([true]);

    // The Chromium users see and hear Firefox (its camera used to arrive as 0×0).
    for (const p of [ann, bob]) {
      await expectRemoteVideosAdvancing(p.page, 2);
      await expectRemoteAudioFlowing(p.page, 2);
      await expect
        .poll(async () => {
          const { width, height } = await videoSize(p, "Fox");
          const sent = Object.values(await firefoxLayers(fox.page)).map((l) => l.height);
          return height > 0 && width * 9 === height * 16 && sent.includes(height) ? "real size" : `${width}×${height}, Firefox sends ${sent.join("/")}p`;
        }, { timeout: 20_000 })
        .toBe("real size");
    }

    // Mute and unmute: both Chromium users see Firefox's microphone state.
    expect(await pressed(fox.page, "toggle-mic")).toBe("true");
    await click(fox.page, "toggle-mic");
    for (const p of [ann, bob]) await expect(tileOf(p.page, "Fox").getByTestId("mic-off")).toBeVisible({ timeout: 5_000 });
    await click(fox.page, "toggle-mic");
    for (const p of [ann, bob]) await expect(tileOf(p.page, "Fox").getByTestId("mic-off")).toHaveCount(0, { timeout: 5_000 });

    // Camera off: the others show Firefox's avatar; on again: its video is back.
    await click(fox.page, "toggle-camera");
    await expect.poll(() => pressed(fox.page, "toggle-camera")).toBe("false");
    for (const p of [ann, bob]) await expect(tileOf(p.page, "Fox").locator(".avatar")).toBeVisible();
    await click(fox.page, "toggle-camera");
    await expect.poll(() => pressed(fox.page, "toggle-camera")).toBe("true");
    for (const p of [ann, bob]) {
      await expect(tileOf(p.page, "Fox").locator(".avatar")).toHaveCount(0, { timeout: 20_000 });
      await expectRemoteVideosAdvancing(p.page, 2);
    }

    // What Firefox's receiver did meanwhile (NACKs it sent, loss it saw): for the record.
    const inbound = await rtpStats(fox.page, "inbound-rtp", "video");
    test.info().annotations.push({
      type: "firefox inbound video",
      description: JSON.stringify(inbound.map((s) => ({ packets: s.packetsReceived, lost: s.packetsLost, nack: s.nackCount, pli: s.pliCount, frames: s.framesDecoded }))),
    });

    // Firefox leaves: gone for both.
    await click(fox.page, "leave");
    for (const p of [ann, bob]) {
      await expect(tileOf(p.page, "Fox")).toHaveCount(0, { timeout: 5_000 });
      await expect(remoteTiles(p.page)).toHaveCount(1);
    }
  });

  test("simulcast from Firefox: its three layers reach the SFU; a Chromium receiver gets the large layer pinned and the small one in the filmstrip; Firefox receives layer switches too", async ({ browser, baseURL }) => {
    const room = roomName("ff-simulcast");
    const fox = await joinFox(baseURL, room);
    const bob = await join(browser, room, "Bob");
    const cid = await join(browser, room, "Cid");
    await expectRemoteVideosAdvancing(cid.page, 2);

    // Firefox offers three layers (q, h, f: 180p, 360p and 720p of its 1280×720 fake camera), and
    // each one reaches Cid when its tile needs it: h for a grid tile (~340 px tall at 1280×720)…
    expect(Object.keys(await firefoxLayers(fox.page)).sort()).toEqual(["f", "h", "q"]);
    await expect.poll(() => receivesFirefoxLayer(cid, fox, "h"), { timeout: 20_000 }).toBe("yes");

    // …the top layer (f, unless Firefox holds it back) pinned large in the speaker view, q small in the filmstrip.
    await cid.page.getByTestId("layout-toggle").click();
    await pin(cid, "Fox");
    await expect(cid.page.locator(".stage__focus").getByText("Fox", { exact: true })).toBeVisible();
    await expect.poll(() => receivesFirefoxLayer(cid, fox, "top"), { timeout: 20_000 }).toBe("yes");
    await pin(cid, "Bob");
    await expect(cid.page.locator(".filmstrip").getByText("Fox", { exact: true })).toBeVisible();
    await expect.poll(() => receivesFirefoxLayer(cid, fox, "q"), { timeout: 20_000 }).toBe("yes");

    // Firefox as the receiver: Bob pinned large, then small, and its video follows.
    await click(fox.page, "layout-toggle");
    await pinOnFirefox(fox.page, "Bob");
    await expect.poll(() => firefoxReceivesLayer(fox, bob, "top"), { timeout: 20_000 }).toBe("yes");
    await pinOnFirefox(fox.page, "Cid");
    await expect.poll(() => firefoxReceivesLayer(fox, bob, "q"), { timeout: 20_000 }).toBe("yes");
    await expectVideosAdvancing(fox.page, ["Bob", "Cid"]);
    await expectRemoteVideosAdvancing(cid.page, 2);
  });

  test("Firefox switches camera and microphone mid-call from the settings dialog: Chromium sees the new camera and keeps hearing it, without a rejoin", async ({ browser, baseURL }) => {
    const room = roomName("ff-devices");
    const bob = await join(browser, room, "Bob");
    const fox = await joinFox(baseURL, room, "Fox", firefox, true);
    await expectRemoteVideosAdvancing(bob.page, 1);
    await expectRemoteAudioFlowing(bob.page, 1);
    const id = await tileOf(bob.page, "Fox").getAttribute("data-participant-id");
    // What Bob shows of Fox: aspect ratio and the colour in the middle of the frame.
    const shown = () =>
      tileOf(bob.page, "Fox")
        .locator("video")
        .evaluate((v: HTMLVideoElement) => {
          if (v.videoHeight === 0) return "no video";
          const canvas = document.createElement("canvas");
          canvas.width = v.videoWidth;
          canvas.height = v.videoHeight;
          const g = canvas.getContext("2d")!;
          g.drawImage(v, 0, 0);
          const [r, gr, b] = g.getImageData(Math.floor(v.videoWidth * 0.8), Math.floor(v.videoHeight / 2), 1, 1).data;
          const aspect = Math.abs(v.videoWidth / v.videoHeight - 4 / 3) < 0.02 ? "4:3" : Math.abs(v.videoWidth / v.videoHeight - 16 / 9) < 0.02 ? "16:9" : `${v.videoWidth}×${v.videoHeight}`;
          const magenta = r! > 180 && b! > 180 && gr! < 90;
          return `${aspect}${magenta ? " magenta" : ""}`;
        });
    await expect.poll(shown, { timeout: 20_000 }).toBe("16:9");

    // The second camera (4:3 magenta test pattern) replaces the first: Bob sees it.
    await pickDevice(fox.page, "Camera", TEST_PATTERN_CAMERA);
    await expect.poll(shown, { timeout: 20_000, message: "Bob sees Firefox's new camera" }).toBe("4:3 magenta");
    await expectRemoteVideosAdvancing(bob.page, 1);
    // Its simulcast layers follow the new camera's size.
    await expect
      .poll(async () => Object.values(await firefoxLayers(fox.page)).map((l) => l.height).sort((a, b) => a - b).join("/"), { timeout: 20_000 })
      .toBe("120/240/480");

    // The second microphone goes on the same sender (a new track, live), and Bob keeps hearing Fox.
    const sentAudio = () =>
      fox.page.evaluate(() =>
        (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs
          .filter((pc) => pc.connectionState !== "closed")
          .flatMap((pc) => pc.getSenders())
          .filter((s) => s.track?.kind === "audio" && s.track.readyState === "live")
          .map((s) => s.track!.id),
      );
    const [before] = await sentAudio();
    expect(before).toBeDefined();
    await pickDevice(fox.page, "Microphone", TEST_PATTERN_MICROPHONE);
    await expect.poll(async () => { const now = await sentAudio(); return now.length === 1 && now[0] !== before ? "new track" : JSON.stringify(now); }).toBe("new track");
    await expectRemoteAudioFlowing(bob.page, 1);

    // Same participant throughout (no rejoin), and Firefox still sees Bob.
    await expect(tileOf(bob.page, "Fox")).toHaveAttribute("data-participant-id", id!);
    await expect(remoteTiles(bob.page)).toHaveCount(1);
    await expectVideosAdvancing(fox.page, ["Bob"]);
  });

  test("a Firefox screen share (headed Firefox on Xvfb) is seen by Chromium, and ends for it", async ({ browser, baseURL }) => {
    const xvfb = await startXvfb();
    const headed = await launchFirefox({ display: xvfb.display });
    try {
      const room = roomName("ff-screen");
      const fox = await joinFox(baseURL, room, "Fox", headed);
      const bob = await join(browser, room, "Bob");
      await expectRemoteVideosAdvancing(bob.page, 1);

      await click(fox.page, "toggle-screen");
      await expect.poll(() => pressed(fox.page, "toggle-screen"), { timeout: 15_000 }).toBe("true");
      const screen = bob.page.locator("[data-testid=screen-tile]");
      await expect(screen).toHaveCount(1);
      // The 1280×720 X screen arrives at its aspect (Firefox may scale it down on a busy machine).
      await expect
        .poll(async () => {
          const { w, h } = await screen.locator("video").evaluate((v: HTMLVideoElement) => ({ w: v.videoWidth, h: v.videoHeight }));
          return h > 0 && Math.abs(w / h - 16 / 9) < 0.02 ? "decoded" : `${w}×${h}`;
        }, { timeout: 20_000 })
        .toBe("decoded");
      // Firefox offers no screen audio; its camera stays visible in Bob's filmstrip.
      await expect(bob.page.locator(".filmstrip").getByText("Fox", { exact: true })).toBeVisible();

      await click(fox.page, "toggle-screen");
      await expect(screen).toHaveCount(0, { timeout: 10_000 });
      await expectRemoteVideosAdvancing(bob.page, 1);
    } finally {
      await headed.close().catch(() => undefined);
      xvfb.close();
    }
  });
});
