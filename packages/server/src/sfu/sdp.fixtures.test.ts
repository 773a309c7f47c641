import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { mediaSections, sdpProblem, forWerift } from "./sdp.js";

/**
 * Offers captured from real browsers publishing to Confab (`scripts/capture-sdp.mjs`): Debian's
 * Firefox ESR 153 and Chromium, fake camera (simulcast q/h/f), microphone, then a screen.
 */
function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
}

const firefox = fixture("firefox-camera-mic-screen.offer.sdp");
const chromium = fixture("chromium-camera-mic-screen.offer.sdp");

describe("a Firefox offer (max-bundle: every section after the first is port 0 + bundle-only)", () => {
  it("reads the bundle-only camera and screen sections as live send-only sections, not as rejected", () => {
    const sections = mediaSections(firefox);
    expect(sections.map((s) => [s.kind, s.mid, s.port, s.bundleOnly, s.direction])).toEqual([
      ["audio", "0", 9, false, "sendonly"],
      ["video", "1", 0, true, "sendonly"],
      ["video", "2", 0, true, "sendonly"],
    ]);
    expect(sdpProblem(firefox)).toBeUndefined();
  });

  it("lists the camera's simulcast layers low to high as the SDK gave them, and one media SSRC per layer", () => {
    const [, camera, screen] = mediaSections(firefox);
    expect(camera?.sendRids).toEqual(["q", "h", "f"]);
    // Firefox announces an SSRC per layer plus its RTX SSRC (a=ssrc-group:FID), Chromium none.
    expect(camera?.ssrcs).toHaveLength(3);
    expect(screen?.sendRids).toEqual([]);
    expect(screen?.ssrcs).toHaveLength(1);
    expect(camera?.extmap.get("urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id")).toBe(9);
  });

  it("is given to werift with port 9 on its bundle-only sections and without the camera's SSRC lines, and nothing else changed", () => {
    const rewritten = forWerift(firefox);
    const sections = mediaSections(rewritten);
    expect(sections.map((s) => s.port)).toEqual([9, 9, 9]);
    // werift would bind the first announced SSRC to a track without a rid (a layer lost, two
    // mixed): the simulcast camera is routed by its RID header extension alone.
    expect(sections[1]?.ssrcs).toEqual([]);
    expect(rewritten.split("\r\n").filter((l) => l.startsWith("a=ssrc")).length).toBe(
      firefox.split("\r\n").filter((l) => l.startsWith("a=ssrc")).length - 9,
    );
    expect(sections[0]?.ssrcs).toHaveLength(1);
    expect(sections[2]?.ssrcs).toHaveLength(1);
    const kept = (sdp: string) => sdp.split("\r\n").filter((l) => !l.startsWith("a=ssrc") && !l.startsWith("m=video"));
    expect(kept(rewritten)).toEqual(kept(firefox));
    expect(rewritten).toContain("\r\n");
  });

  it("announces the tracks the SDK declares, each on a section of its kind", () => {
    const tracks = JSON.parse(fixture("firefox-camera-mic-screen.tracks.json")) as { mid: string; kind: string; source: string }[];
    const byMid = new Map(mediaSections(firefox).map((s) => [s.mid, s]));
    expect(tracks.map((t) => t.source)).toEqual(["microphone", "camera", "screen"]);
    for (const t of tracks) expect(byMid.get(t.mid)?.kind).toBe(t.kind);
  });
});

describe("a Chromium offer (every section on port 9 or a real port)", () => {
  it("reads four live send-only sections: microphone, simulcast camera, screen and screen audio", () => {
    const sections = mediaSections(chromium);
    expect(sections.map((s) => [s.kind, s.mid, s.bundleOnly, s.direction])).toEqual([
      ["audio", "0", false, "sendonly"],
      ["video", "1", false, "sendonly"],
      ["video", "2", false, "sendonly"],
      ["audio", "3", false, "sendonly"],
    ]);
    expect(sections.every((s) => s.port > 0)).toBe(true);
    expect(sections[1]?.sendRids).toEqual(["q", "h", "f"]);
    // rid-based simulcast: Chromium announces no SSRCs for the layers (RFC 8853 §5.3).
    expect(sections[1]?.ssrcs).toEqual([]);
    expect(sections[2]?.ssrcs).toHaveLength(1);
    expect(sdpProblem(chromium)).toBeUndefined();
  });

  it("passes to werift unchanged", () => {
    expect(forWerift(chromium)).toBe(chromium);
    expect(forWerift(fixture("chromium-camera-mic.offer.sdp"))).toBe(fixture("chromium-camera-mic.offer.sdp"));
  });
});

describe("port 0 (RFC 8843 §7.5.3)", () => {
  const base = fixture("firefox-camera-mic.offer.sdp");

  it("marks a section without bundle-only and outside the BUNDLE group as disabled, and leaves its port 0 for werift", () => {
    // A stopped transceiver: port 0, no bundle-only, its mid left out of the group.
    const stopped = base.replace("a=group:BUNDLE 0 1", "a=group:BUNDLE 0").replace("a=bundle-only\r\n", "");
    expect(mediaSections(stopped)[1]?.direction).toBe("inactive");
    expect(mediaSections(forWerift(stopped))[1]?.port).toBe(0);
  });

  it("marks a bundle-only section outside the BUNDLE group as disabled", () => {
    const outside = base.replace("a=group:BUNDLE 0 1", "a=group:BUNDLE 0");
    expect(mediaSections(outside)[1]?.direction).toBe("inactive");
    expect(mediaSections(forWerift(outside))[1]?.port).toBe(0);
  });

  it("keeps a bundle-only section's own direction (a camera turned off is offered inactive)", () => {
    const off = base.replace(/(a=bundle-only\r\n)a=sendonly/, "$1a=inactive");
    expect(mediaSections(off)[1]?.direction).toBe("inactive");
    expect(mediaSections(base)[1]?.direction).toBe("sendonly");
  });
});

describe("simulcast layer order", () => {
  it("orders layers by the size limits in a=rid when every layer has one, whatever the listed order", () => {
    const highFirst = fixture("firefox-camera-mic.offer.sdp")
      .replace("a=rid:q send\r\n", "a=rid:q send max-width=320;max-height=180\r\n")
      .replace("a=rid:h send\r\n", "a=rid:h send max-width=640;max-height=360\r\n")
      .replace("a=rid:f send\r\n", "a=rid:f send max-width=1280;max-height=720\r\n")
      .replace("a=simulcast:send q;h;f", "a=simulcast:send f;h;q");
    expect(mediaSections(highFirst)[1]?.sendRids).toEqual(["q", "h", "f"]);
    // Without limits on every layer the listed order stands.
    const partial = highFirst.replace("a=rid:h send max-width=640;max-height=360", "a=rid:h send");
    expect(mediaSections(partial)[1]?.sendRids).toEqual(["f", "h", "q"]);
  });
});
