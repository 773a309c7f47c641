import { SDP_FIXTURES } from "./seeds.js";

/**
 * Publisher offers that fail, one per way werift 0.25 can fail to apply an offer or to answer
 * it (read from its `setRemoteDescription`, `createAnswer` and SDP parser) or our bounds refuse
 * one before it. Each is a browser's offer (Chromium, camera and microphone) with one thing
 * wrong; `index` makes each one different (new mids where that is what grew werift's state).
 * Used by the failing-offer test (signaling/failingOffers.test.ts) and by
 * `npm run measure -- failing-offers`.
 */
export interface FailingOffer {
  name: string;
  /** Sent after a good offer was answered (a renegotiation), not as the first offer. */
  renegotiation: boolean;
  /** What the BAD_MESSAGE reason says. */
  reason: RegExp;
  offer: (index: number) => string;
}

/** The good offer the failing ones are made from, with CRLF line ends. */
export const GOOD_OFFER = SDP_FIXTURES[0]!.replace(/\r?\n/g, "\r\n");

/** The tracks a client lists with {@link GOOD_OFFER}. */
export const GOOD_OFFER_TRACKS = [
  { mid: "0", kind: "audio", source: "microphone", muted: false },
  { mid: "1", kind: "video", source: "camera", muted: false },
] as const;

const FINGERPRINT = /^a=fingerprint:sha-256 \S+$/gm;

/** The good offer with the mids `a` (audio) and `v` (video). */
function withMids(a: string, v: string): string {
  return GOOD_OFFER.replace("a=mid:0\r\n", `a=mid:${a}\r\n`).replace("a=mid:1\r\n", `a=mid:${v}\r\n`).replace("a=group:BUNDLE 0 1", `a=group:BUNDLE ${a} ${v}`);
}

/** A section werift cannot take, after the two good ones. */
const textSection = (mid: string) => `m=text 9 RTP/AVP 98\r\nc=IN IP4 0.0.0.0\r\na=mid:${mid}\r\n`;

export const FAILING_OFFERS: readonly FailingOffer[] = [
  // werift threw "invalid media kind" after making transceivers for the sections before: with
  // new mids each time, two more transceivers an offer, without bound.
  { name: "a text m-section after two good ones (new mids each time)", renegotiation: false, reason: /media text/, offer: (i) => withMids(`a${i}`, `v${i}`) + textSection(`t${i}`) },
  { name: "a text m-section in a renegotiation", renegotiation: true, reason: /media text/, offer: (i) => GOOD_OFFER + textSection(`t${i}`) },
  // "Transceiver with mid=undefined not found" / "mid not assigned" from createAnswer.
  { name: "m-sections without a=mid", renegotiation: false, reason: /has no a=mid/, offer: () => GOOD_OFFER.replace(/^a=mid:.*\r\n/gm, "").replace(/^a=group:BUNDLE.*\r\n/m, "") },
  { name: "a renegotiation without a=mid (werift made a second transport)", renegotiation: true, reason: /has no a=mid/, offer: () => GOOD_OFFER.replace(/^a=mid:.*\r\n/gm, "").replace(/^a=group:BUNDLE.*\r\n/m, "") },
  { name: "a=group:BUNDLE naming a mid no section has", renegotiation: false, reason: /BUNDLE names mid/, offer: (i) => GOOD_OFFER.replace("a=group:BUNDLE 0 1", `a=group:BUNDLE 0 1 x${i}`) },
  { name: "fingerprint with an unsupported hash (md5)", renegotiation: false, reason: /fingerprint hash md5/, offer: () => GOOD_OFFER.replace(FINGERPRINT, "a=fingerprint:md5 F9:9C:6B:12:16:EF:CD:18:BE:36:25:DB:99:86:A3:73") },
  { name: "empty fingerprint (werift threw an Error without a message)", renegotiation: false, reason: /a=fingerprint is not/, offer: () => GOOD_OFFER.replace(FINGERPRINT, "a=fingerprint:") },
  { name: "sha-256 fingerprint of 16 bytes", renegotiation: false, reason: /not 32 bytes/, offer: () => GOOD_OFFER.replace(FINGERPRINT, "a=fingerprint:sha-256 F9:9C:6B:12:16:EF:CD:18:BE:36:25:DB:99:86:A3:73") },
  { name: "a section without ICE credentials", renegotiation: false, reason: /no ICE credentials/, offer: () => GOOD_OFFER.replace(/(m=video[\s\S]*?)a=ice-ufrag:.*\r\n/, "$1") },
  { name: "an ICE password of 8 characters", renegotiation: false, reason: /a=ice-pwd is not/, offer: () => GOOD_OFFER.replaceAll("a=ice-pwd:PZQafpcDONDBtBpk3x31Kk9m", "a=ice-pwd:PZQafpcD") },
  { name: "an offer with a=setup:active (the offerer must say actpass)", renegotiation: false, reason: /first offer's a=setup must be actpass/, offer: () => GOOD_OFFER.replaceAll("a=setup:actpass", "a=setup:active") },
  { name: "a renegotiation asking for the SFU's DTLS role (a=setup:active: both would be clients)", renegotiation: true, reason: /asks for the DTLS role the SFU has/, offer: () => GOOD_OFFER.replaceAll("a=setup:actpass", "a=setup:active") },
  { name: "a=setup with an unknown role", renegotiation: false, reason: /a=setup is not/, offer: () => GOOD_OFFER.replaceAll("a=setup:actpass", "a=setup:holdconn") },
  // werift: "Cannot set properties of undefined (setting 'parameters')".
  { name: "a payload type mapped twice", renegotiation: false, reason: /mapped twice/, offer: () => GOOD_OFFER.replace("a=rtpmap:102 H264/90000", "a=rtpmap:96 H264/90000") },
  { name: "a=fmtp for a payload type without a=rtpmap", renegotiation: false, reason: /without its a=rtpmap/, offer: () => GOOD_OFFER.replace(/^a=rtpmap:111 .*\r\n/m, "") },
  { name: "a=rtpmap for a payload type not on the m-line", renegotiation: false, reason: /not a format of its m-line/, offer: (i) => GOOD_OFFER.replace("a=rtpmap:96 VP8/90000", `a=rtpmap:96 VP8/90000\r\na=rtpmap:${(i % 20) + 20} VP9/90000`) },
  { name: "an a=rtpmap werift cannot read", renegotiation: false, reason: /a=rtpmap is not/, offer: () => GOOD_OFFER.replace("a=rtpmap:111 opus/48000/2", "a=rtpmap:111") },
  { name: "simulcast rids without a=rid lines", renegotiation: false, reason: /without an a=rid/, offer: (i) => GOOD_OFFER.replace("a=simulcast:send q;h;f", `a=simulcast:send q;h;z${i % 100}`) },
  // werift: "exception", "m line not found".
  { name: "a c= line werift cannot read", renegotiation: false, reason: /c= line/, offer: () => GOOD_OFFER.replace("c=IN IP4 0.0.0.0", "c=IN IP4") },
  { name: "an a=rtcp line without its address", renegotiation: false, reason: /a=rtcp line/, offer: () => GOOD_OFFER.replaceAll("a=rtcp:9 IN IP4 0.0.0.0", "a=rtcp:9") },
  { name: "an m-line werift cannot read", renegotiation: false, reason: /m-line that is not/, offer: () => GOOD_OFFER.replace("m=audio 9 UDP/TLS/RTP/SAVPF", "m=audio x UDP") },
  { name: "an empty a=candidate line", renegotiation: false, reason: /a=candidate line is empty/, offer: () => GOOD_OFFER.replace("a=rtcp-mux\r\n", "a=candidate:\r\na=rtcp-mux\r\n") },
  // Renegotiations that move what was negotiated: werift paired the moved section with a new
  // transceiver each time, or failed part-way.
  { name: "a renegotiation that changes a section's mid", renegotiation: true, reason: /has mid .*, not 1 as negotiated/, offer: (i) => withMids("0", `n${i}`) },
  { name: "a renegotiation that drops a section", renegotiation: true, reason: /fewer than the 2/, offer: () => GOOD_OFFER.slice(0, GOOD_OFFER.indexOf("m=video")).replace("a=group:BUNDLE 0 1", "a=group:BUNDLE 0") },
  { name: "a renegotiation that swaps the sections' kinds", renegotiation: true, reason: /is video, not audio|is audio, not video/, offer: () => {
    const video = GOOD_OFFER.slice(GOOD_OFFER.indexOf("m=video")).replace("a=mid:1", "a=mid:0");
    const audio = GOOD_OFFER.slice(GOOD_OFFER.indexOf("m=audio"), GOOD_OFFER.indexOf("m=video")).replace("a=mid:0", "a=mid:1");
    return GOOD_OFFER.slice(0, GOOD_OFFER.indexOf("m=audio")) + video + audio;
  } },
  // Failing inside werift (assertBundlePreserved), before it changed anything.
  { name: "a renegotiation that takes the sections out of their BUNDLE group", renegotiation: true, reason: /BUNDLE transport of mid=0 cannot be preserved/, offer: () => GOOD_OFFER.replace(/^a=group:BUNDLE.*\r\n/m, "") },
];
