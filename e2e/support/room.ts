import { fileURLToPath } from "node:url";
import { expect, type Browser, type BrowserContext, type Page } from "@playwright/test";

/** Where E2E tests save the screenshots committed under docs/screenshots/. */
export function screenshotPath(name: string): string {
  return fileURLToPath(new URL(`../../docs/screenshots/${name}.png`, import.meta.url));
}

/**
 * Test instrumentation: remembers every RTCPeerConnection the page creates, so a test can
 * read inbound-rtp statistics the way chrome://webrtc-internals would.
 */
export const recordPeerConnections = () => {
  const Native = window.RTCPeerConnection;
  const pcs: RTCPeerConnection[] = [];
  (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = pcs;
  window.RTCPeerConnection = class extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      pcs.push(this);
    }
  } as typeof RTCPeerConnection;
};

export interface Person {
  name: string;
  context: BrowserContext;
  page: Page;
}

/** A unique room name per test run. */
export function roomName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}

/** Opens `/<room>` in a new context, fills the name and joins. */
export async function join(
  browser: Browser,
  room: string,
  name: string,
  init?: () => void,
): Promise<Person> {
  const context = await browser.newContext();
  await context.addInitScript(recordPeerConnections);
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  await page.goto(`/${room}`);
  await page.getByTestId("display-name").fill(name);
  await page.getByTestId("join").click();
  await expect(page.locator("[data-testid=tile][data-local]")).toBeVisible();
  return { name, context, page };
}

/** Remote tiles currently shown. */
export function remoteTiles(page: Page) {
  return page.locator("[data-testid=tile][data-participant-id]");
}

/** The remote tile showing `name`. */
export function tileOf(page: Page, name: string) {
  return remoteTiles(page).filter({ has: page.getByTestId("tile-name").getByText(name, { exact: true }) });
}

/** Decoded-frame counts of every remote tile's video, keyed by participant id. */
export async function remoteFrameCounts(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const out: Record<string, number> = {};
    for (const tile of document.querySelectorAll<HTMLElement>("[data-testid=tile][data-participant-id]")) {
      const video = tile.querySelector("video");
      const id = tile.dataset.participantId ?? "";
      out[id] = video && video.videoWidth > 0 ? video.getVideoPlaybackQuality().totalVideoFrames : 0;
    }
    return out;
  });
}

/** Waits until `count` remote videos are showing frames that keep advancing. */
export async function expectRemoteVideosAdvancing(page: Page, count: number): Promise<void> {
  await expect(remoteTiles(page)).toHaveCount(count);
  let first: Record<string, number> = {};
  try {
    await expect
      .poll(async () => {
        first = await remoteFrameCounts(page);
        return Object.values(first).filter((n) => n > 0).length;
      }, { timeout: 30_000 })
      .toBe(count);
  } catch (error) {
    throw new Error(
      `not all ${count} remote videos decode: frames ${JSON.stringify(first)}; inbound video ${JSON.stringify(await inboundVideoStats(page))}`,
      { cause: error },
    );
  }
  // "Advancing" = a different, non-zero count: a tile whose video element was re-created (a page
  // or layout change) restarts from zero and must not be mistaken for a stalled stream.
  let now: Record<string, number> = {};
  try {
    await expect
      .poll(async () => {
        now = await remoteFrameCounts(page);
        return Object.entries(now).filter(([id, n]) => n > 0 && n !== first[id]).length;
      }, { timeout: 15_000 })
      .toBe(count);
  } catch (error) {
    throw new Error(`remote videos not all advancing: frames before ${JSON.stringify(first)}, after ${JSON.stringify(now)}`, { cause: error });
  }
}

/**
 * The page's inbound-rtp statistics of `kind`, one plain record per stream (open connections
 * only), each with `pc` (the connection's index in the page's record) and `pcState`.
 */
export async function inboundRtp(page: Page, kind: "audio" | "video"): Promise<Record<string, unknown>[]> {
  return page.evaluate(async (wanted) => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs ?? [];
    const out: Record<string, unknown>[] = [];
    for (const [index, pc] of pcs.entries()) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((s: Record<string, unknown>) => {
        if (s.type === "inbound-rtp" && s.kind === wanted) out.push({ ...s, pc: index, pcState: pc.connectionState });
      });
    }
    return out;
  }, kind);
}

/**
 * The page's simulcast camera layers as its browser sends them now: rid → frame height. On a
 * busy machine Chrome's CPU adaptation scales layers down (720p sent as 540p), so tests compare
 * what a receiver shows with these heights, not with fixed ones.
 */
export async function sentLayers(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const out: Record<string, number> = {};
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs ?? []) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((s) => {
        if (s.type === "outbound-rtp" && s.kind === "video" && s.rid) out[s.rid as string] = (s.frameHeight as number | undefined) ?? 0;
      });
    }
    return out;
  });
}

/** What chrome://webrtc-internals would show of every inbound video stream: for failure messages. */
export async function inboundVideoStats(page: Page): Promise<Record<string, unknown>[]> {
  const pick = ["mid", "ssrc", "packetsReceived", "packetsLost", "framesReceived", "framesDecoded", "keyFramesDecoded", "framesDropped", "pliCount", "firCount", "nackCount", "frameWidth", "decoderImplementation"];
  return (await inboundRtp(page, "video")).map((s) => Object.fromEntries(pick.filter((k) => s[k] !== undefined).map((k) => [k, s[k]])));
}

/** packetsReceived of every inbound audio RTP stream on the page's connections. */
export async function inboundAudioPackets(page: Page): Promise<number[]> {
  return (await inboundRtp(page, "audio")).map((s) => (s.packetsReceived as number | undefined) ?? 0);
}

/** packetsReceived of each inbound audio stream on the page's open connections, by connection and SSRC. */
async function audioPacketsByStream(page: Page): Promise<Map<string, number>> {
  return new Map((await inboundRtp(page, "audio")).map((s) => [`${String(s.pc)}/${String(s.ssrc)}`, (s.packetsReceived as number | undefined) ?? 0]));
}

/**
 * Waits until exactly `count` inbound audio streams grow between two looks. A stream that has
 * stopped (left behind when someone rejoined as a new participant, its m-line now inactive) is
 * not counted; a second live stream from one person is.
 */
export async function expectRemoteAudioFlowing(page: Page, count: number): Promise<void> {
  let before = await audioPacketsByStream(page);
  let growing = 0;
  try {
    await expect
      .poll(async () => {
        const now = await audioPacketsByStream(page);
        growing = [...now].filter(([id, n]) => n > (before.get(id) ?? 0)).length;
        before = now;
        return growing;
      }, { timeout: 30_000, intervals: [250, 500, 1000] })
      .toBe(count);
  } catch (error) {
    const pick = ["pc", "pcState", "mid", "ssrc", "packetsReceived", "packetsLost", "trackIdentifier"];
    const streams = (await inboundRtp(page, "audio")).map((s) => Object.fromEntries(pick.filter((k) => s[k] !== undefined).map((k) => [k, s[k]])));
    throw new Error(`${count} inbound audio streams should be growing, ${growing} were; inbound audio ${JSON.stringify(streams)}`, { cause: error });
  }
}

/**
 * Opens `url` (a full meeting address, e.g. on a server of a test's own) in a new context that
 * records its peer connections, fills the name and joins — with the camera off when asked.
 */
export async function joinAt(browser: Browser, url: string, name: string, camera = true): Promise<Page> {
  const context = await browser.newContext();
  await context.addInitScript(recordPeerConnections);
  const page = await context.newPage();
  await page.goto(url);
  await page.getByTestId("display-name").fill(name);
  if (!camera) await page.getByRole("button", { name: "Turn off camera" }).click();
  await page.getByTestId("join").click();
  await expect(page.locator("[data-testid=tile][data-local]")).toBeVisible();
  return page;
}
