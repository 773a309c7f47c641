import { createServer } from "node:net";
import { chromium, type Browser, type Page } from "@playwright/test";
import type { Browser as FirefoxBrowser, Page as FirefoxPage } from "puppeteer-core";
import { ServerProcess } from "@confab/bots";
import { CHROMIUM_ARGS } from "@confab/bots/chromium";
import { E2E_PORT } from "../playwright.config.js";
import { joinFirefox, launchFirefox, remoteTiles as firefoxTiles, rtpStats } from "../support/firefox.js";
import { EmulatedLink, netnsUnavailable } from "../support/netns.js";
import { inboundRtp, joinAt, roomName, sentLayers, tileOf } from "../support/room.js";
import { expect, test } from "../support/test.js";

/** The receiver's inbound video and audio as getStats reports them. */
interface Inbound {
  videoHeight: number;
  framesDecoded: number;
  freezeSeconds: number;
  freezeCount: number;
  audioPackets: number;
  /** Video packets that arrived as retransmissions (counted only when RTX is negotiated). */
  retransmitted: number;
}

async function inbound(page: Page): Promise<Inbound> {
  const out = { videoHeight: 0, framesDecoded: 0, freezeSeconds: 0, freezeCount: 0, audioPackets: 0, retransmitted: 0 };
  const n = (value: unknown) => (typeof value === "number" ? value : 0);
  for (const s of await inboundRtp(page, "video")) {
    out.videoHeight = n(s.frameHeight);
    out.framesDecoded += n(s.framesDecoded);
    out.freezeSeconds += n(s.totalFreezesDuration);
    out.freezeCount += n(s.freezeCount);
    out.retransmitted += n(s.retransmittedPacketsReceived);
  }
  for (const s of await inboundRtp(page, "audio")) out.audioPackets += n(s.packetsReceived);
  return out;
}

test.describe("a receiver on a bad network", () => {
  test.beforeAll(() => {
    // Run on purpose (npm run test:network): say plainly what is missing rather than skip.
    const unavailable = netnsUnavailable();
    if (unavailable) throw new Error(`cannot emulate the link: ${unavailable}`);
  });

  test("at 400 kbit/s, 50 ms and 3 % loss it drops to a lower layer and keeps decoding video and audio; when the limit lifts it returns to the top layer", async () => {
    test.setTimeout(180_000);
    const link = await EmulatedLink.create();
    const port = E2E_PORT + 2;
    const browsers: Browser[] = [];
    let server: ServerProcess | undefined;
    try {
      // Server and publisher in one namespace; the receiver behind the emulated link.
      server = await ServerProcess.start({ PORT: String(port), HOST: "0.0.0.0", RTC_ANNOUNCED_IPS: link.serverAddress }, link.prefix(link.serverNs));
      const publisherBrowser = await chromium.launch({ executablePath: link.chromiumIn(link.serverNs), args: [...CHROMIUM_ARGS] });
      browsers.push(publisherBrowser);
      const origin = `http://${link.serverAddress}:${port}`;
      const receiverBrowser = await chromium.launch({
        executablePath: link.chromiumIn(link.clientNs),
        // A LAN address over plain HTTP is not a secure context; this one is, for the test.
        args: [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=${origin}`],
      });
      browsers.push(receiverBrowser);

      const room = roomName("badnet");
      const ann = await joinAt(publisherBrowser, `http://127.0.0.1:${port}/${room}`, "Ann", true);
      const rx = await joinAt(receiverBrowser, `${origin}/${room}`, "Rex", false);
      // The top layer's height as Ann's browser sends it now: 720, or less when Chrome's CPU
      // adaptation scales it down on a busy machine.
      const top = async () => (await sentLayers(ann)).f || 720;
      /** "top" when the receiver shows Ann's top layer, else what it shows. */
      const onTop = async () => {
        const [shown, sent] = [(await inbound(rx)).videoHeight, await top()];
        return shown === sent ? "top" : `${shown}p while the top layer is sent at ${sent}p`;
      };
      // Ann large: speaker view, pinned, so the receiver wants her top (720p) layer.
      await rx.getByTestId("layout-toggle").click();
      await tileOf(rx, "Ann").hover();
      await tileOf(rx, "Ann").getByRole("button", { name: /^Pin/ }).click();
      await expect.poll(held(onTop, "top", 3000), { timeout: 45_000, intervals: [250] }).toBe("held");

      // The limit: within 5 s the receiver gets a lower layer.
      await link.impair({ rate: 400_000, delay: 0.05, loss: 0.03, queue: 0.5 });
      const limitedAt = Date.now();
      await expect.poll(onTop, { timeout: 5_000, intervals: [250] }).not.toBe("top");
      const downAfter = Date.now() - limitedAt;

      // Then 10 s on the limited link: video keeps decoding with freezes under 1 s in all, audio flows.
      const before = await inbound(rx);
      // Height and freezes every half second, for the failure message and the log line.
      const timeline: string[] = [];
      let after = before;
      for (let elapsed = 0; elapsed < 10_000; elapsed += 500) {
        await rx.waitForTimeout(500);
        after = await inbound(rx);
        timeline.push(`${after.videoHeight}p/${(after.freezeSeconds - before.freezeSeconds).toFixed(2)}s`);
      }
      const seen = `(every 0.5 s, height/frozen so far: ${timeline.join(" ")})`;
      expect(after.framesDecoded - before.framesDecoded, `frames decoded in 10 s on the limited link ${seen}`).toBeGreaterThan(100);
      expect(after.freezeSeconds - before.freezeSeconds, `seconds frozen in 10 s on the limited link ${seen}`).toBeLessThan(1);
      expect(after.audioPackets - before.audioPackets, "audio packets in 10 s (50/s sent)").toBeGreaterThan(350);
      expect(after.videoHeight).toBeLessThan(await top());
      // Losses are repaired on the RTX stream (the stat exists only when RTX is negotiated).
      expect(after.retransmitted, `video packets received as RTX retransmissions ${seen}`).toBeGreaterThan(0);

      // The limit lifts: back on the top layer within 15 s.
      await link.impair({ rate: 0, delay: 0, loss: 0 });
      const liftedAt = Date.now();
      await expect.poll(onTop, { timeout: 15_000, intervals: [250] }).toBe("top");
      console.log(`bad network: lower layer ${downAfter} ms after the limit, top layer ${Date.now() - liftedAt} ms after it lifted; frozen ${(after.freezeSeconds - before.freezeSeconds).toFixed(2)} s of 10 s in ${after.freezeCount - before.freezeCount} freezes; ${after.retransmitted} packets retransmitted on RTX ${seen}`);
    } finally {
      await Promise.all(browsers.map((b) => b.close()));
      await server?.stop();
      link.close();
    }
  });

  test("Firefox as the receiver: at 400 kbit/s, 50 ms and 3 % loss it gets a lower layer, keeps decoding video and audio and asks for lost packets (NACK); when the limit lifts it returns to the top layer", async () => {
    test.setTimeout(180_000);
    const link = await EmulatedLink.create();
    const port = E2E_PORT + 2;
    const browsers: Browser[] = [];
    let firefox: FirefoxBrowser | undefined;
    let server: ServerProcess | undefined;
    try {
      server = await ServerProcess.start({ PORT: String(port), HOST: "0.0.0.0", RTC_ANNOUNCED_IPS: link.serverAddress }, link.prefix(link.serverNs));
      const publisherBrowser = await chromium.launch({ executablePath: link.chromiumIn(link.serverNs), args: [...CHROMIUM_ARGS] });
      browsers.push(publisherBrowser);
      const debuggingPort = await freePort();
      firefox = await launchFirefox({
        executablePath: await link.firefoxIn(link.clientNs, debuggingPort),
        debuggingPort,
        // A LAN address over plain HTTP is not a secure context; this one is, for the test.
        prefs: { "dom.securecontext.allowlist": link.serverAddress },
      });

      const room = roomName("ff-badnet");
      const ann = await joinAt(publisherBrowser, `http://127.0.0.1:${port}/${room}`, "Ann", true);
      const fox = await joinFirefox(firefox, `http://${link.serverAddress}:${port}`, room, "Fox");
      // Fox's camera off: its own upload must not share the limited link with what is measured.
      await fox.page.locator("[data-testid=toggle-camera]").click();
      const top = async () => (await sentLayers(ann)).f || 720;
      const onTop = async () => {
        const [shown, sent] = [(await firefoxTiles(fox.page)).find((t) => t.name === "Ann")?.height ?? 0, await top()];
        return shown === sent ? "top" : `${shown}p while the top layer is sent at ${sent}p`;
      };
      await pinAnn(fox.page);
      await expect.poll(held(onTop, "top", 3000), { timeout: 45_000, intervals: [250] }).toBe("held");

      await link.impair({ rate: 400_000, delay: 0.05, loss: 0.03, queue: 0.5 });
      const limitedAt = Date.now();
      await expect.poll(onTop, { timeout: 10_000, intervals: [250] }).not.toBe("top");
      const downAfter = Date.now() - limitedAt;

      const before = await firefoxInbound(fox.page);
      const timeline: string[] = [];
      let after = before;
      for (let elapsed = 0; elapsed < 10_000; elapsed += 500) {
        await new Promise((r) => setTimeout(r, 500));
        after = await firefoxInbound(fox.page);
        const states = await connectionStates(fox.page);
        // The connections' states only when one is not connected (a restart, a rejoin).
        const unusual = states.every((s) => s === "connected/connected") ? "" : `[${states.join(" ")}]`;
        timeline.push(`${after.videoHeight}p/${after.framesDecoded - before.framesDecoded}f${unusual}`);
      }
      const seen = `(every 0.5 s, height/frames so far: ${timeline.join(" ")}; the server on the participants: ${serverEvents(server)})`;
      expect(after.framesDecoded - before.framesDecoded, `frames decoded in 10 s on the limited link ${seen}`).toBeGreaterThan(100);
      expect(after.audioPackets - before.audioPackets, "audio packets in 10 s (50/s sent)").toBeGreaterThan(350);
      expect(after.videoHeight).toBeLessThan(await top());
      // Firefox asks for lost packets (its inbound-rtp has no retransmission count to show the repairs).
      expect(after.nacks - before.nacks, `NACKs Firefox sent in 10 s at 3 % loss ${seen}`).toBeGreaterThan(0);

      await link.impair({ rate: 0, delay: 0, loss: 0 });
      const liftedAt = Date.now();
      await expect.poll(onTop, { timeout: 20_000, intervals: [250] }).toBe("top");
      console.log(
        `bad network, Firefox receiving: lower layer ${downAfter} ms after the limit, top layer ${Date.now() - liftedAt} ms after it lifted; in 10 s limited: ${after.framesDecoded - before.framesDecoded} frames decoded, ${after.nacks - before.nacks} NACKs sent, ${after.lost - before.lost} packets lost after repair, ${after.pli - before.pli} PLIs ${seen}`,
      );
    } finally {
      await firefox?.close().catch(() => undefined);
      await Promise.all(browsers.map((b) => b.close()));
      await server?.stop();
      link.close();
    }
  });
});

/**
 * A poll that says "held" once `state` has said `wanted` on every call for `ms`. The limit must
 * find the receiver settled on the top layer: in a call's first seconds the estimate can take it
 * up to the top layer and back to the middle one while the top layer's encoder ramps up, and a
 * limit that catches it on the middle layer measures another switch (middle to low, with the
 * link's queue already full) than the one this test is about.
 */
function held(state: () => Promise<string>, wanted: string, ms: number): () => Promise<string> {
  let since: number | undefined;
  return async () => {
    const now = await state();
    if (now !== wanted) {
      since = undefined;
      return now;
    }
    since ??= Date.now();
    const lasted = Date.now() - since;
    return lasted >= ms ? "held" : `${wanted} for ${lasted} ms`;
  };
}

/** A TCP port free on this host's loopback right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject).listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Speaker view with Ann pinned on a Firefox page, so it wants her top layer. */
async function pinAnn(page: FirefoxPage): Promise<void> {
  await page.locator("[data-testid=layout-toggle]").click();
  await page.waitForFunction(() =>
    [...document.querySelectorAll("[data-testid=tile][data-participant-id]")].some((t) => t.querySelector("[data-testid=tile-name]")?.textContent === "Ann"),
  );
  await page.evaluate(() => {
    const tile = [...document.querySelectorAll("[data-testid=tile][data-participant-id]")].find((t) => t.querySelector("[data-testid=tile-name]")?.textContent === "Ann");
    const pin = [...(tile?.querySelectorAll("button") ?? [])].find((b) => /^Pin/.test(b.getAttribute("aria-label") ?? ""));
    if (!pin) throw new Error("no pin button on Ann's tile");
    pin.click();
  });
}

/** Each of the page's media connections as `connectionState/iceConnectionState`, closed ones too. */
function connectionStates(page: FirefoxPage): Promise<string[]> {
  return page.evaluate(() => ((window as unknown as { __pcs: RTCPeerConnection[] }).__pcs ?? []).map((pc) => `${pc.connectionState}/${pc.iceConnectionState}`));
}

/**
 * What the server's log says of the participants (joins, leaves, drops, resumes, media) and any
 * warning, compactly, for a failure message: a receiver whose video stopped may have rejoined.
 */
function serverEvents(server: ServerProcess): string {
  const events: string[] = [];
  for (const line of server.output) {
    let entry: { time?: number; level?: number; msg?: string; participant?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    const msg = entry.msg ?? "";
    if ((entry.level ?? 0) < 40 && !/participant|media|resum|track/.test(msg)) continue;
    events.push(`${new Date(entry.time ?? 0).toISOString().slice(11, 23)} ${entry.participant ?? ""} ${msg}`);
  }
  return events.slice(-30).join("; ");
}

/** Firefox's inbound video and audio as its getStats reports them. */
async function firefoxInbound(page: FirefoxPage): Promise<{ videoHeight: number; framesDecoded: number; nacks: number; lost: number; pli: number; audioPackets: number }> {
  const n = (value: unknown) => (typeof value === "number" ? value : 0);
  const out = { videoHeight: 0, framesDecoded: 0, nacks: 0, lost: 0, pli: 0, audioPackets: 0 };
  for (const s of await rtpStats(page, "inbound-rtp", "video")) {
    out.videoHeight = Math.max(out.videoHeight, n(s.frameHeight));
    out.framesDecoded += n(s.framesDecoded);
    out.nacks += n(s.nackCount);
    out.lost += n(s.packetsLost);
    out.pli += n(s.pliCount);
  }
  for (const s of await rtpStats(page, "inbound-rtp", "audio")) out.audioPackets += n(s.packetsReceived);
  return out;
}
