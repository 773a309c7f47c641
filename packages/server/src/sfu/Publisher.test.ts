import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { PublishedTrack } from "@confab/protocol";
import { defaultConfig } from "../config/config.js";
import { Publisher } from "./Publisher.js";
import { mediaSections } from "./sdp.js";

function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
}

const rtc = { ...defaultConfig.rtc, announcedIps: ["127.0.0.1"] };
const open: Publisher[] = [];
afterEach(() => {
  for (const p of open.splice(0)) p.close();
});

/** The SFU's answer to a captured browser offer, and the tracks it accepted. */
async function answer(browser: "firefox" | "chromium"): Promise<{ sdp: string; sources: string[] }> {
  const publisher = new Publisher("p1", rtc, (event, error) => {
    throw new Error(`${event}: ${String(error)}`);
  });
  open.push(publisher);
  const sources: string[] = [];
  publisher.events.on("trackAdded", (t) => sources.push(t.sourceKind));
  const answered = new Promise<string>((resolve) => publisher.events.on("answer", resolve));
  const tracks = JSON.parse(fixture(`${browser}-camera-mic-screen.tracks.json`)) as PublishedTrack[];
  await publisher.handleOffer(fixture(`${browser}-camera-mic-screen.offer.sdp`), tracks);
  return { sdp: await answered, sources };
}

describe("Publisher with real browser offers", () => {
  it("answers Firefox's bundle-only camera and screen sections recvonly, with the camera's three layers", async () => {
    const { sdp, sources } = await answer("firefox");
    const sections = mediaSections(sdp);
    expect(sections.map((s) => [s.kind, s.mid, s.direction])).toEqual([
      ["audio", "0", "recvonly"],
      ["video", "1", "recvonly"],
      ["video", "2", "recvonly"],
    ]);
    expect(sections.every((s) => s.port > 0)).toBe(true);
    expect(sdp).toMatch(/^a=group:BUNDLE 0 1 2\r?$/m);
    expect(sdp).toMatch(/^a=simulcast:recv q;h;f/m);
    expect(sources).toEqual(["microphone", "camera", "screen"]);
  });

  it("answers Chromium's offer the same way, screen audio included", async () => {
    const { sdp, sources } = await answer("chromium");
    expect(mediaSections(sdp).map((s) => s.direction)).toEqual(["recvonly", "recvonly", "recvonly", "recvonly"]);
    expect(sdp).toMatch(/^a=simulcast:recv q;h;f/m);
    expect(sources).toEqual(["microphone", "camera", "screen", "screen-audio"]);
  });
});
