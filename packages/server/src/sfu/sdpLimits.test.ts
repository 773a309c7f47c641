import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { videoOffer } from "../testing/offers.js";
import { PUBLISHER_OFFER_LIMITS, sdpLimitProblem, subscriberAnswerLimits } from "./sdpLimits.js";

/** Simulcast as a browser offers it for a camera: the mid and rid extensions, three rids. */
const simulcast = () => ["a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid", "a=extmap:2 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", "a=rid:q send", "a=rid:h send", "a=rid:f send", "a=simulcast:send q;h;f"];

/** A browser-like offer with `sections` simulcast video sections, and `extra` lines in each. */
function offerWith(sections: number, extra: (i: number) => string[] = () => []): string {
  return videoOffer(sections, { extra: (i) => [...simulcast(), ...extra(i)] });
}

describe("sdpLimitProblem", () => {
  it("accepts a browser-like publisher offer (camera, microphone, screen, screen audio)", () => {
    expect(sdpLimitProblem(offerWith(4), PUBLISHER_OFFER_LIMITS)).toBeUndefined();
  });

  it("refuses the 152-m-section offer, and every other excess, with a reason", () => {
    const cases: [string, string, RegExp][] = [
      ["152 sections", offerWith(152), /media sections|longer than/],
      ["9 sections", offerWith(9), /more than 8 media sections/],
      ["two BUNDLE groups", videoOffer(2, { bundleLines: 2 }), /BUNDLE/],
      ["a repeated mid", offerWith(2).replace("a=mid:1", "a=mid:0"), /twice/],
      ["an extmap id out of range", offerWith(1, () => ["a=extmap:256 urn:x"]), /1–255/],
      ["an extmap id used twice", offerWith(1, () => ["a=extmap:2 urn:x"]), /used twice/],
      ["too many ssrc lines", offerWith(1, () => Array.from({ length: 40 }, (_, k) => `a=ssrc:${k + 1} cname:x`)), /ssrc/],
      ["too many rids", offerWith(1, () => Array.from({ length: 8 }, (_, k) => `a=rid:r${k} send`)), /rids/],
      ["too many candidates", offerWith(1, () => Array.from({ length: 40 }, (_, k) => `a=candidate:${k} 1 udp 1 10.0.0.${k} 9 typ host`)), /candidates/],
      ["a very long line", offerWith(1, () => [`a=x-junk:${"y".repeat(5000)}`]), /longer than 1024/],
      ["too many payload types", offerWith(1).replace("UDP/TLS/RTP/SAVPF 96", `UDP/TLS/RTP/SAVPF ${Array.from({ length: 100 }, (_, k) => k + 1).join(" ")}`), /payload types/],
    ];
    for (const [what, sdp, reason] of cases) expect(sdpLimitProblem(sdp, PUBLISHER_OFFER_LIMITS), what).toMatch(reason);
  });

  it("lets a subscriber answer have as many sections as the server offered, no more", () => {
    expect(sdpLimitProblem(offerWith(40), subscriberAnswerLimits(40))).toBeUndefined();
    expect(sdpLimitProblem(offerWith(41), subscriberAnswerLimits(40))).toMatch(/media sections/);
  });

  it("never throws on random or mutated input (property)", () => {
    const base = offerWith(3);
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), fc.nat(base.length), fc.string({ maxLength: 50 }), (junk, at, insert) => {
        const result1 = sdpLimitProblem(junk, PUBLISHER_OFFER_LIMITS);
        const result2 = sdpLimitProblem(base.slice(0, at) + insert + base.slice(at), PUBLISHER_OFFER_LIMITS);
        for (const r of [result1, result2]) expect(r === undefined || typeof r === "string").toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
