/** Variations of {@link videoOffer}. */
export interface VideoOfferOptions {
  /**
   * How many times the session part repeats its `a=group:BUNDLE` line (a browser writes one;
   * two is what made werift leak sockets). Default 1.
   */
  bundleLines?: number;
  /** The payload types on each `m=` line (default `96`, VP8). */
  payloadTypes?: string;
  /** Lines added at the end of section `mid` (RTX, simulcast, candidates, junk…). */
  extra?: (mid: number) => string[];
}

/**
 * A publisher offer with `sections` video sections, each the least a browser writes for VP8
 * (ICE, DTLS, mid, direction, rtcp-mux, rtpmap): what tests and the worst-message measure send
 * against the server's SDP bounds, varied by `options`.
 */
export function videoOffer(sections: number, options: VideoOfferOptions = {}): string {
  const { bundleLines = 1, payloadTypes = "96", extra = () => [] } = options;
  const mids = Array.from({ length: sections }, (_, i) => i).join(" ");
  const head = ["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", ...Array.from({ length: bundleLines }, () => `a=group:BUNDLE ${mids}`)];
  const body = Array.from({ length: sections }, (_, i) => [
    `m=video 9 UDP/TLS/RTP/SAVPF ${payloadTypes}`,
    "c=IN IP4 0.0.0.0",
    "a=ice-ufrag:abcd",
    "a=ice-pwd:abcdefghijklmnopqrstuvwx",
    "a=fingerprint:sha-256 " + Array.from({ length: 32 }, () => "AB").join(":"),
    "a=setup:actpass",
    `a=mid:${i}`,
    "a=sendonly",
    "a=rtcp-mux",
    "a=rtpmap:96 VP8/90000",
    ...extra(i),
  ]).flat();
  return [...head, ...body].join("\r\n") + "\r\n";
}

/**
 * The offer of the issue: 152 video sections with RTX, NACK, PLI, transport-cc and the mid
 * extension (73 KiB), refused by the bounds before werift sees it.
 */
export function issueOffer(): string {
  return videoOffer(152, {
    payloadTypes: "96 97",
    extra: () => [
      "a=rtpmap:97 rtx/90000",
      "a=fmtp:97 apt=96",
      "a=rtcp-fb:96 nack",
      "a=rtcp-fb:96 nack pli",
      "a=rtcp-fb:96 transport-cc",
      "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid",
    ],
  });
}
