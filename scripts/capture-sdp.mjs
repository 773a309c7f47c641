#!/usr/bin/env node
// Captures the publisher offers (and the SFU's answers) that real browsers send to a running
// Confab server, for the SDP fixtures in packages/server/src/sfu/fixtures/.
//
//   node scripts/capture-sdp.mjs http://127.0.0.1:8080 firefox|chromium OUT_DIR
//
// The browser joins a fresh room with its fake camera and microphone (simulcast camera),
// then presents its screen. Firefox can capture a screen only with a display: the script runs
// it headed under Xvfb (DISPLAY must be set, e.g. `xvfb-run -a node scripts/capture-sdp.mjs …`).
// Candidates and fingerprints are left as the browser made them (loopback only, throwaway keys).
import { mkdir, writeFile } from "node:fs/promises";
import puppeteer from "puppeteer-core";

const [url = "http://127.0.0.1:8080", browserName = "firefox", out = "."] = process.argv.slice(2);

/** Runs in the page: records every signaling frame, both ways. */
function recordSignaling() {
  const NativePc = window.RTCPeerConnection;
  const pcs = [];
  window.__pcs = pcs;
  window.RTCPeerConnection = class extends NativePc {
    constructor(config) {
      super(config);
      pcs.push(this);
    }
  };
  const frames = [];
  window.__frames = frames;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => frames.push({ dir: "in", data: String(e.data) }));
    }
    send(data) {
      frames.push({ dir: "out", data: String(data) });
      super.send(data);
    }
  };
}

const browser =
  browserName === "firefox"
    ? await puppeteer.launch({
        browser: "firefox",
        executablePath: "/usr/bin/firefox-esr",
        headless: !process.env.DISPLAY,
        extraPrefsFirefox: { "media.navigator.streams.fake": true, "media.navigator.permission.disabled": true },
      })
    : await puppeteer.launch({
        executablePath: "/usr/bin/chromium",
        headless: true,
        args: ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
      });
try {
  const page = await browser.newPage();
  await page.evaluateOnNewDocument(recordSignaling);
  await page.goto(`${url}/capture-${Date.now().toString(36)}`);
  await page.waitForSelector("[data-testid=display-name]");
  await page.type("[data-testid=display-name]", "Capture");
  await page.click("[data-testid=join]");
  await page.waitForSelector("[data-testid=tile][data-local]");
  const offers = async () =>
    page.evaluate(() =>
      window.__frames
        .map((f) => ({ dir: f.dir, msg: JSON.parse(f.data) }))
        .filter((f) => f.msg.type === "sdp" && f.msg.pc === "publisher"),
    );
  const waitFor = async (n) => {
    for (let i = 0; i < 100 && (await offers()).length < n; i++) await new Promise((r) => setTimeout(r, 200));
  };
  await waitFor(2);
  await page.click("[data-testid=toggle-screen]");
  await waitFor(4);
  const frames = await offers();
  await mkdir(out, { recursive: true });
  let i = 0;
  for (const { dir, msg } of frames) {
    const name = `${browserName}-${++i}-${dir === "out" ? "offer" : "answer"}`;
    await writeFile(`${out}/${name}.sdp`, msg.description.sdp);
    if (msg.tracks) await writeFile(`${out}/${name}.tracks.json`, JSON.stringify(msg.tracks, null, 2) + "\n");
    console.log(name, msg.tracks ? JSON.stringify(msg.tracks) : "");
  }
  // What the browser sends per simulcast layer, once it is connected.
  await new Promise((r) => setTimeout(r, 8000));
  console.log(await page.evaluate(() => window.__pcs.map((pc) => pc.connectionState + "/" + pc.iceConnectionState)));
  console.log(JSON.stringify(await page.evaluate(async () => {
    const rows = [];
    for (const pc of window.__pcs ?? []) (await pc.getStats()).forEach((s) => {
      if (s.type === "outbound-rtp") rows.push({ kind: s.kind, rid: s.rid, ssrc: s.ssrc, w: s.frameWidth, h: s.frameHeight, bytes: s.bytesSent, nack: s.nackCount, retx: s.retransmittedPacketsSent });
    });
    return rows;
  })));
} finally {
  await browser.close();
}
