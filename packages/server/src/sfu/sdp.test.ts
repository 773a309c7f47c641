import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { mediaSections, sdpProblem, negotiableCodecsOnly } from "./sdp.js";
import { candidateAllowed, filterSdpCandidates } from "./peer-config.js";

const offer = [
  "v=0",
  "o=- 1 2 IN IP4 127.0.0.1",
  "s=-",
  "t=0 0",
  "a=group:BUNDLE 0 1",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111",
  "a=mid:0",
  "a=ice-ufrag:abcd",
  "a=ice-pwd:0123456789012345678901",
  "a=fingerprint:sha-256 AA:BB",
  "a=sendonly",
  "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
  "a=extmap:4/sendonly urn:ietf:params:rtp-hdrext:sdes:mid",
  "a=extmap:x bogus",
  "a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
  "a=candidate:2 1 udp 2122260223 192.0.2.2 50000 typ host",
  "m=video 0 UDP/TLS/RTP/SAVPF 96",
  "a=mid:1",
  "a=sendonly",
  "",
].join("\r\n");

describe("mediaSections", () => {
  it("lists kind, mid, direction and header extensions, and treats port 0 as inactive", () => {
    expect(mediaSections(offer)).toEqual([
      {
        kind: "audio",
        mid: "0",
        direction: "sendonly",
        port: 9,
        bundleOnly: false,
        extmap: new Map([
          ["urn:ietf:params:rtp-hdrext:ssrc-audio-level", 1],
          ["urn:ietf:params:rtp-hdrext:sdes:mid", 4],
        ]),
        sendRids: [],
        ssrcs: [],
      },
      { kind: "video", mid: "1", direction: "inactive", port: 0, bundleOnly: false, extmap: new Map(), sendRids: [], ssrcs: [] },
    ]);
  });

  it("lists simulcast stream ids in the sender's order, paused ones included", () => {
    const simulcast = offer.replace("m=video 0", "m=video 9").replace("a=mid:1\r\n", "a=mid:1\r\na=rid:q send\r\na=rid:h send\r\na=rid:f send\r\na=simulcast:send q;~h;f,x\r\n");
    expect(mediaSections(simulcast)[1]?.sendRids).toEqual(["q", "h", "f"]);
    expect(sdpProblem(simulcast)).toBeUndefined();
  });

  it("rejects simulcast with too many streams, bad rids, or on audio", () => {
    const video = offer.replace("m=video 0", "m=video 9");
    expect(sdpProblem(video.replace("a=mid:1\r\n", "a=mid:1\r\na=simulcast:send a;b;c;d\r\n"))).toMatch(/more than 3/);
    expect(sdpProblem(video.replace("a=mid:1\r\n", "a=mid:1\r\na=simulcast:send a;<b>\r\n"))).toMatch(/invalid rid/);
    expect(sdpProblem(offer.replace("a=mid:0\r\n", "a=mid:0\r\na=simulcast:send a;b\r\n"))).toMatch(/non-video/);
  });

  it("lists a section's media SSRCs once each, without its RTX ones", () => {
    const withSsrcs = offer.replace(
      "a=mid:1\r\n",
      "a=mid:1\r\na=ssrc-group:FID 1111 2222\r\na=ssrc:1111 cname:x\r\na=ssrc:1111 msid:a b\r\na=ssrc:2222 cname:x\r\na=ssrc:99999999999 cname:x\r\n",
    );
    expect(mediaSections(withSsrcs)[1]?.ssrcs).toEqual([1111]);
  });

  it("returns nothing for text that is not SDP", () => {
    expect(mediaSections("<script>alert(1)</script>")).toEqual([]);
  });
});

describe("sdpProblem", () => {
  it("accepts an SDP with media, ICE credentials and a fingerprint", () => {
    expect(sdpProblem(offer)).toBeUndefined();
  });

  it("names what is missing from a hollow SDP", () => {
    expect(sdpProblem("hello")).toMatch(/v=0/);
    expect(sdpProblem("v=0\r\ns=-\r\n")).toMatch(/media/);
    expect(sdpProblem("v=0\r\nm=audio 9 RTP/AVP 0\r\n")).toMatch(/ice-ufrag/);
  });
});

describe("candidate filtering", () => {
  it("keeps only candidates on announced addresses", () => {
    const allowed = new Set(["127.0.0.1"]);
    expect(candidateAllowed("candidate:1 1 udp 1 127.0.0.1 5000 typ host", allowed)).toBe(true);
    expect(candidateAllowed("candidate:1 1 udp 1 192.0.2.2 5000 typ host", allowed)).toBe(false);
    expect(candidateAllowed("garbage", allowed)).toBe(false);
    // ICE-TCP: the SFU offers passive candidates only (it never dials out).
    expect(candidateAllowed("candidate:2 1 tcp 1 127.0.0.1 5001 typ host tcptype passive", allowed)).toBe(true);
    expect(candidateAllowed("candidate:3 1 tcp 1 127.0.0.1 9 typ host tcptype active", allowed)).toBe(false);
    const filtered = filterSdpCandidates(offer, allowed);
    expect(filtered).toContain("127.0.0.1 50000");
    expect(filtered).not.toContain("192.0.2.2");
  });
});

describe("negotiableCodecsOnly", () => {
  const chromium = readFileSync(new URL("./fixtures/chromium-camera-mic-screen.offer.sdp", import.meta.url), "utf8");
  const keep = new Set(["vp8", "opus"]);

  it("leaves each section of a browser's offer with the SFU's codec alone, its lines kept and nothing else changed", () => {
    const trimmed = negotiableCodecsOnly(chromium, keep);
    expect(trimmed.match(/^m=.*$/gm)).toEqual([
      "m=audio 40257 UDP/TLS/RTP/SAVPF 111",
      "m=video 9 UDP/TLS/RTP/SAVPF 96",
      "m=video 9 UDP/TLS/RTP/SAVPF 96",
      "m=audio 9 UDP/TLS/RTP/SAVPF 111",
    ]);
    expect(trimmed.match(/^a=(rtpmap|fmtp|rtcp-fb):\d+ .*$/gm)?.every((l) => /^a=\w+(-\w+)?:(96|111) /.test(l))).toBe(true);
    expect(trimmed).toContain("a=fmtp:111 minptime=10;useinbandfec=1");
    expect(trimmed).toContain("a=rtcp-fb:96 nack pli");
    const withoutCodecLines = (s: string) => s.split("\n").filter((l) => !/^(m=|a=(rtpmap|fmtp|rtcp-fb):)/.test(l));
    expect(withoutCodecLines(trimmed)).toEqual(withoutCodecLines(chromium));
  });

  it("keeps the first payload type of an encoding listed many times, and a section without any as it was", () => {
    const section = (pts: number[], name: string) => [`m=video 9 UDP/TLS/RTP/SAVPF ${pts.join(" ")}`, "a=mid:0", ...pts.map((pt) => `a=rtpmap:${pt} ${name}/90000`), ""].join("\r\n");
    expect(negotiableCodecsOnly(section([35, 36, 37], "VP8"), keep)).toBe(section([35], "VP8"));
    expect(negotiableCodecsOnly(section([102], "H264"), keep)).toBe(section([102], "H264"));
  });
});
