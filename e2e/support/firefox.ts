import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { expect } from "@playwright/test";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { recordPeerConnections } from "./room.js";

/**
 * Firefox in the E2E suite: Debian's firefox-esr driven by puppeteer-core over WebDriver BiDi
 * (Playwright drives only its own Firefox build, which cannot be downloaded here), from inside
 * the Playwright specs so it meets Chromium pages on the same server.
 */
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? "/usr/bin/firefox-esr";

/**
 * Fake camera (1280×720 when asked for it) and microphone, no permission prompts; and ICE as
 * the loopback-only test server needs it. The E2E server announces only 127.0.0.1, which
 * Firefox does not pair with its own (non-loopback) candidates unless loopback ICE is on, and
 * Firefox hides its host addresses behind mDNS names (`….local`) that the SFU cannot resolve
 * to answer with checks of its own: with the defaults both connections fail and the SDK
 * rejoins every few seconds. A real deployment announces reachable addresses and needs neither.
 */
export const FIREFOX_PREFS: Record<string, unknown> = {
  "media.navigator.streams.fake": true,
  "media.navigator.permission.disabled": true,
  "media.peerconnection.ice.loopback": true,
  "media.peerconnection.ice.obfuscate_host_addresses": false,
};

/** Launch options. */
export interface FirefoxOptions {
  /** Runs Firefox headed on this X display (screen capture needs one). */
  display?: string;
  /** Another executable (e.g. a script that starts Firefox inside a network namespace). */
  executablePath?: string;
  /** The WebDriver BiDi port (random when not given). */
  debuggingPort?: number;
  /** Prefs on top of {@link FIREFOX_PREFS}. */
  prefs?: Record<string, unknown>;
}

/** Starts Firefox, headless unless a display is given; fails saying what is missing. */
export async function launchFirefox(options: FirefoxOptions = {}): Promise<Browser> {
  if (!existsSync(FIREFOX_PATH)) throw new Error(`Firefox E2E tests need ${FIREFOX_PATH} (apt-get install firefox-esr)`);
  return puppeteer.launch({
    browser: "firefox",
    executablePath: options.executablePath ?? FIREFOX_PATH,
    headless: options.display === undefined,
    extraPrefsFirefox: { ...FIREFOX_PREFS, ...options.prefs },
    env: options.display === undefined ? { ...process.env } : { ...process.env, DISPLAY: options.display },
    protocolTimeout: 60_000,
    ...(options.debuggingPort === undefined ? {} : { debuggingPort: options.debuggingPort }),
  });
}

/** An X server of its own (Xvfb picks a free display), for a headed Firefox that can capture a screen. */
export interface VirtualDisplay {
  display: string;
  close(): void;
}

/**
 * Starts Xvfb. Headless Firefox has no screen to capture (`getDisplayMedia` fails with
 * NotFoundError), so the screen-share test runs Firefox headed on this display.
 */
export async function startXvfb(): Promise<VirtualDisplay> {
  let child: ChildProcess;
  try {
    child = spawn("Xvfb", ["-displayfd", "3", "-screen", "0", "1280x720x24", "-nolisten", "tcp"], { stdio: ["ignore", "ignore", "ignore", "pipe"] });
  } catch (error) {
    throw new Error("the Firefox screen-share test needs Xvfb (apt-get install xvfb)", { cause: error });
  }
  const display = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.once("error", () => reject(new Error("the Firefox screen-share test needs Xvfb (apt-get install xvfb)")));
    child.once("exit", (code) => reject(new Error(`Xvfb exited (${code}) before it was ready`)));
    (child.stdio[3] as NodeJS.ReadableStream).on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("\n")) resolve(`:${out.trim()}`);
    });
  });
  return {
    display,
    close: () => {
      if (child.exitCode === null) child.kill();
    },
  };
}

/** A person using Firefox. */
export interface FirefoxPerson {
  name: string;
  browser: Browser;
  page: Page;
}

/** The device id of the second camera {@link addTestPatternDevices} adds. */
export const TEST_PATTERN_CAMERA = "confab-test-pattern-camera";
/** The device id of the second microphone {@link addTestPatternDevices} adds. */
export const TEST_PATTERN_MICROPHONE = "confab-test-pattern-microphone";

/**
 * Runs in the page before the app: adds a second camera and a second microphone to the one
 * fake device of each kind Firefox has (`media.navigator.streams.fake` offers no more), so
 * switching devices mid-call can be tested through the app's own settings dialog. The camera
 * is a 640×480 magenta canvas with a moving white bar (4:3, where the fake camera is 16:9);
 * the microphone a 440 Hz oscillator. Every other request goes to Firefox's fake devices.
 * Self-contained: it is serialised into the page.
 */
export function addTestPatternDevices(): void {
  const camera = "confab-test-pattern-camera";
  const microphone = "confab-test-pattern-microphone";
  const devices = navigator.mediaDevices;
  if (!devices) return;
  const enumerate = devices.enumerateDevices.bind(devices);
  const getUserMedia = devices.getUserMedia.bind(devices);
  const info = (deviceId: string, kind: MediaDeviceKind, label: string) =>
    ({ deviceId, groupId: "confab-test-pattern", kind, label, toJSON: () => ({ deviceId, kind, label }) }) as MediaDeviceInfo;
  devices.enumerateDevices = async () => [...(await enumerate()), info(camera, "videoinput", "Test pattern camera"), info(microphone, "audioinput", "Test tone microphone")];
  const wanted = (c: boolean | MediaTrackConstraints | undefined): string | undefined => {
    const id = typeof c === "object" ? c.deviceId : undefined;
    if (typeof id === "string") return id;
    if (id && typeof id === "object" && !Array.isArray(id)) return typeof id.exact === "string" ? id.exact : undefined;
    return undefined;
  };
  devices.getUserMedia = async (constraints) => {
    if (wanted(constraints?.video) === camera) {
      const canvas = document.createElement("canvas");
      canvas.width = 640;
      canvas.height = 480;
      const g = canvas.getContext("2d")!;
      let x = 0;
      setInterval(() => {
        g.fillStyle = "#ff00ff";
        g.fillRect(0, 0, 640, 480);
        g.fillStyle = "#ffffff";
        g.fillRect(x, 0, 40, 480);
        x = (x + 8) % 200;
      }, 33);
      return canvas.captureStream(30);
    }
    if (wanted(constraints?.audio) === microphone) {
      const context = new AudioContext();
      const tone = context.createOscillator();
      const out = context.createMediaStreamDestination();
      tone.frequency.value = 440;
      tone.connect(out);
      tone.start();
      return out.stream;
    }
    return getUserMedia(constraints);
  };
}

/** Opens `baseURL/<room>` in a new Firefox tab, fills the name and joins. */
export async function joinFirefox(browser: Browser, baseURL: string, room: string, name: string, options: { testPatternDevices?: boolean } = {}): Promise<FirefoxPerson> {
  const page = await browser.newPage();
  page.setDefaultTimeout(30_000);
  // The Chromium pages' size (playwright.config.ts), so tiles ask for the same layers.
  await page.setViewport({ width: 1280, height: 720 });
  await page.evaluateOnNewDocument(recordPeerConnections);
  if (options.testPatternDevices) await page.evaluateOnNewDocument(addTestPatternDevices);
  await page.goto(`${baseURL}/${room}`);
  await page.locator("[data-testid=display-name]").fill(name);
  await page.locator("[data-testid=join]").click();
  await page.waitForSelector("[data-testid=tile][data-local]");
  return { name, browser, page };
}

/** Picks `deviceId` in the settings dialog's select labelled `label` ("Camera", "Microphone"), as a person would. */
export async function pickDevice(page: Page, label: string, deviceId: string): Promise<void> {
  await page.locator("button[aria-label=Settings]").click();
  const id = await page.waitForFunction(
    (text) => [...document.querySelectorAll("label")].find((l) => l.textContent === text && l.htmlFor)?.htmlFor,
    {},
    label,
  );
  const selector = `select[id="${String(await id.jsonValue())}"]`;
  await page.waitForFunction((sel, value) => [...(document.querySelector<HTMLSelectElement>(sel)?.options ?? [])].some((o) => o.value === value), {}, selector, deviceId);
  await page.select(selector, deviceId);
  await page.keyboard.press("Escape");
}

/** Clicks the control with this test id (a trusted click: it counts as a user gesture). */
export async function click(page: Page, testId: string): Promise<void> {
  await page.locator(`[data-testid=${testId}]`).click();
}

/** The `aria-pressed` of the control with this test id. */
export function pressed(page: Page, testId: string): Promise<string | null> {
  return page.$eval(`[data-testid=${testId}]`, (el) => el.getAttribute("aria-pressed"));
}

/** What the page shows of each remote tile: name, decoded size and frames, avatar, mic-off. */
export interface TileState {
  name: string;
  width: number;
  height: number;
  frames: number;
  avatar: boolean;
  micOff: boolean;
}

/** Every remote person tile on the page (screen tiles are separate: {@link screenTiles}). */
export function remoteTiles(page: Page): Promise<TileState[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>("[data-testid=tile][data-participant-id]")].map((tile) => {
      const video = tile.querySelector("video");
      const decoded = video !== null && video.videoWidth > 0;
      return {
        name: tile.querySelector("[data-testid=tile-name]")?.textContent ?? "",
        width: video?.videoWidth ?? 0,
        height: video?.videoHeight ?? 0,
        // Firefox counts no frames of a MediaStream in getVideoPlaybackQuality(): it paints them.
        frames: decoded ? ((video as HTMLVideoElement & { mozPaintedFrames?: number }).mozPaintedFrames ?? video.getVideoPlaybackQuality().totalVideoFrames) : 0,
        avatar: tile.querySelector(".avatar") !== null,
        micOff: tile.querySelector("[data-testid=mic-off]") !== null,
      };
    }),
  );
}

/** Decoded width and height of every remote screen tile. */
export function screenTiles(page: Page): Promise<{ width: number; height: number }[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>("[data-testid=screen-tile]:not([data-local])")].map((tile) => {
      const video = tile.querySelector("video");
      return { width: video?.videoWidth ?? 0, height: video?.videoHeight ?? 0 };
    }),
  );
}

/**
 * Waits until the page shows exactly the remote people `names`, each with decoded video whose
 * frame count keeps advancing (as room.ts's `expectRemoteVideosAdvancing` for Chromium pages).
 */
export async function expectVideosAdvancing(page: Page, names: readonly string[]): Promise<TileState[]> {
  const sorted = [...names].sort();
  let first: TileState[] = [];
  await expect
    .poll(async () => {
      first = await remoteTiles(page);
      return first.filter((t) => t.frames > 0).map((t) => t.name).sort();
    }, { timeout: 30_000, message: `Firefox decodes ${sorted.join(", ")}` })
    .toEqual(sorted);
  // "Advancing" = a different, non-zero count: a re-created video element starts again from 0.
  let now: TileState[] = [];
  try {
    await expect
      .poll(async () => {
        now = await remoteTiles(page);
        return now.filter((t) => t.frames > 0 && t.frames !== first.find((f) => f.name === t.name)?.frames).map((t) => t.name).sort();
      }, { timeout: 15_000 })
      .toEqual(sorted);
  } catch (error) {
    const inbound = (await rtpStats(page, "inbound-rtp", "video")).map((s) => ({ ssrc: s.ssrc, packets: s.packetsReceived, lost: s.packetsLost, decoded: s.framesDecoded, h: s.frameHeight, nack: s.nackCount, pli: s.pliCount }));
    throw new Error(`Firefox's remote videos not all advancing: before ${JSON.stringify(first)}, after ${JSON.stringify(now)}; inbound ${JSON.stringify(inbound)}`, { cause: error });
  }
  return now;
}

/** The page's RTP statistics of one type and kind (open connections only), as plain records. */
export function rtpStats(page: Page, type: "inbound-rtp" | "outbound-rtp", kind: "audio" | "video"): Promise<Record<string, unknown>[]> {
  return page.evaluate(
    async (wantedType, wantedKind) => {
      const out: Record<string, unknown>[] = [];
      for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs ?? []) {
        if (pc.connectionState === "closed") continue;
        (await pc.getStats()).forEach((s: Record<string, unknown>) => {
          if (s.type === wantedType && s.kind === wantedKind) out.push({ ...s });
        });
      }
      return out;
    },
    type,
    kind,
  );
}

/**
 * Waits until `count` inbound audio streams exist on the Firefox page and all of them grow
 * (streams keyed by SSRC: Firefox does not keep the order of its statistics between calls).
 */
export async function expectAudioFlowing(page: Page, count: number): Promise<void> {
  const packets = async () => new Map((await rtpStats(page, "inbound-rtp", "audio")).map((s) => [Number(s.ssrc), Number(s.packetsReceived ?? 0)]));
  let first = new Map<number, number>();
  await expect
    .poll(async () => {
      first = await packets();
      return [...first.values()].filter((n) => n > 0).length;
    }, { timeout: 30_000, message: "Firefox receives audio" })
    .toBe(count);
  let now = new Map<number, number>();
  await expect
    .poll(async () => {
      now = await packets();
      return [...now].filter(([ssrc, n]) => n > (first.get(ssrc) ?? 0)).length;
    }, { timeout: 15_000, message: `Firefox's audio keeps coming (packets before ${JSON.stringify([...first])}, after ${JSON.stringify([...now])})` })
    .toBe(count);
}

/** Firefox's simulcast camera layers as it sends them now: rid → frame height, and packets sent. */
export async function firefoxLayers(page: Page): Promise<Record<string, { height: number; packets: number }>> {
  const out: Record<string, { height: number; packets: number }> = {};
  for (const s of await rtpStats(page, "outbound-rtp", "video")) {
    if (typeof s.rid === "string") out[s.rid] = { height: Number(s.frameHeight ?? 0), packets: Number(s.packetsSent ?? 0) };
  }
  return out;
}
