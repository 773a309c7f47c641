import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FAILING_OFFERS } from "../fuzz/failingOffers.js";
import { forWerift } from "./sdp.js";
import { sdpSyntaxProblem, sectionSlotsProblem, setupConflict } from "./sdpSyntax.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const OFFERS = ["chromium-camera-mic", "chromium-camera-mic-screen", "firefox-camera-mic", "firefox-camera-mic-screen"].map((n) => fixture(`${n}.offer.sdp`));

describe("the lines werift needs well formed", () => {
  it("takes every browser offer captured (Chromium and Firefox, as sent and as werift reads them)", () => {
    for (const offer of OFFERS) {
      expect(sdpSyntaxProblem(offer, "offer")).toBeUndefined();
      expect(sdpSyntaxProblem(forWerift(offer), "offer")).toBeUndefined();
    }
  });

  it("refuses each failing first offer with its reason", () => {
    for (const failing of FAILING_OFFERS.filter((f) => !f.renegotiation && !/BUNDLE transport/.test(f.reason.source))) {
      expect(sdpSyntaxProblem(failing.offer(0), "offer"), failing.name).toMatch(failing.reason);
    }
  });

  it("refuses an answer with a=setup:actpass (RFC 8842 §5.3) and takes active or passive", () => {
    const answer = OFFERS[0]!.replaceAll("a=setup:actpass", "a=setup:active");
    expect(sdpSyntaxProblem(answer, "answer")).toBeUndefined();
    expect(sdpSyntaxProblem(answer.replaceAll("a=setup:active", "a=setup:passive"), "answer")).toBeUndefined();
    expect(sdpSyntaxProblem(OFFERS[0]!, "answer")).toMatch(/answer's a=setup must be active or passive/);
  });
});

describe("DTLS roles", () => {
  const reOffer = (setup: string) => OFFERS[0]!.replaceAll("a=setup:actpass", `a=setup:${setup}`);
  const sfuAnswer = (setup: string) => `v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=setup:${setup}\r\n`;

  it("a re-offer may keep its role (werift's do) or say actpass; a first offer must say actpass", () => {
    expect(sdpSyntaxProblem(reOffer("passive"), "re-offer")).toBeUndefined();
    expect(sdpSyntaxProblem(reOffer("active"), "re-offer")).toBeUndefined();
    expect(sdpSyntaxProblem(reOffer("active"), "offer")).toMatch(/first offer's a=setup must be actpass/);
  });

  it("a re-offer asking for the role the SFU has is a conflict; the complementary role or actpass is not", () => {
    expect(setupConflict(reOffer("active"), sfuAnswer("active"))).toMatch(/asks for the DTLS role the SFU has \(active\)/);
    expect(setupConflict(reOffer("passive"), sfuAnswer("passive"))).toMatch(/\(passive\)/);
    expect(setupConflict(reOffer("passive"), sfuAnswer("active"))).toBeUndefined();
    expect(setupConflict(OFFERS[0]!, sfuAnswer("active"))).toBeUndefined();
  });
});

describe("sections keep their places", () => {
  const offered = [{ mid: "0", kind: "audio" }, { mid: "1", kind: "video" }];

  it("a re-offer may add sections after the negotiated ones, not remove, move or change them", () => {
    expect(sectionSlotsProblem(offered, [...offered, { mid: "2", kind: "video" }], false)).toBeUndefined();
    expect(sectionSlotsProblem(offered, offered.slice(0, 1), false)).toMatch(/fewer than the 2/);
    expect(sectionSlotsProblem(offered, [offered[1]!, offered[0]!], false)).toMatch(/m-section 0 has mid 1, not 0/);
    expect(sectionSlotsProblem(offered, [offered[0]!, { mid: "1", kind: "audio" }], false)).toMatch(/is audio, not video/);
  });

  it("an answer has exactly the offer's sections", () => {
    expect(sectionSlotsProblem(offered, offered, true)).toBeUndefined();
    expect(sectionSlotsProblem(offered, [...offered, { mid: "2", kind: "video" }], true)).toMatch(/3 m-sections for the 2 offered/);
    expect(sectionSlotsProblem(offered, [offered[0]!, { mid: "9", kind: "video" }], true)).toMatch(/has mid 9, not 1/);
  });
});
