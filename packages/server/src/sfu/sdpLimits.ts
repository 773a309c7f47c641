/**
 * Bounds on a remote description, checked before werift parses it: werift's parser and
 * negotiation cost grows with every m-section, codec, SSRC and candidate (an offer with 152
 * m-sections cost about a second of CPU and 8–14 MB that were never given back), so a client
 * may only send what a real browser sends, with room to spare.
 */
export interface SdpLimits {
  /** Most m-sections. A publisher needs camera, microphone, screen and screen audio. */
  maxSections: number;
  /** Most characters in all. */
  maxBytes: number;
  /** Most lines in all. */
  maxLines: number;
  /** Longest line. */
  maxLineLength: number;
  /** Most payload types on one m-line (Chromium lists about 30 for video). */
  maxPayloadTypes: number;
  /** Most `a=ssrc` lines and distinct SSRCs in one section. */
  maxSsrcLines: number;
  /** Most `a=rid` lines in one section. */
  maxRids: number;
  /** Most `a=extmap` lines in one section. */
  maxExtmaps: number;
  /** Most `a=candidate` lines in one section. */
  maxCandidates: number;
}

/**
 * Limits for a publisher's offer: four sources (our SDK keeps one section per source and
 * reuses it), plus as many stopped sections another client may keep. Each section costs a
 * werift transceiver, ~50 KiB kept while the participant stays: 12 sections made the largest
 * offer within the bounds keep 1.8 MB, over the 1 MB goal for a single message.
 */
export const PUBLISHER_OFFER_LIMITS: SdpLimits = {
  maxSections: 8,
  maxBytes: 64 * 1024,
  maxLines: 2_000,
  maxLineLength: 1_024,
  maxPayloadTypes: 64,
  maxSsrcLines: 32,
  maxRids: 8,
  maxExtmaps: 32,
  maxCandidates: 32,
};

/**
 * Limits for the lobby's connectivity probe: one data channel section (two allowed), its
 * candidates inside. Without them a probe — allowed before joining — with 152 video sections
 * cost ~230 ms of the main thread's CPU and kept ~8 MB each.
 */
export const PROBE_OFFER_LIMITS: SdpLimits = {
  ...PUBLISHER_OFFER_LIMITS,
  maxSections: 2,
  maxBytes: 16 * 1024,
  maxLines: 400,
};

/** Limits for a subscriber's answer: as many sections as the server offered, each small. */
export function subscriberAnswerLimits(offeredSections: number): SdpLimits {
  return {
    ...PUBLISHER_OFFER_LIMITS,
    maxSections: Math.max(1, offeredSections),
    maxBytes: 16 * 1024 + offeredSections * 4 * 1024,
    maxLines: 200 + offeredSections * 80,
  };
}

/**
 * Checks `sdp` against `limits` in one pass, without building anything per line. Returns a
 * reason (for a `BAD_MESSAGE`), or undefined when it is within bounds. Also refuses what no
 * browser sends and werift mishandles: more than one `a=group:BUNDLE` line (it leaked two
 * UDP sockets per session), a duplicate mid, an extmap id outside 1–255 or repeated in a section.
 */
export function sdpLimitProblem(sdp: string, limits: SdpLimits): string | undefined {
  if (sdp.length > limits.maxBytes) return `description is longer than ${limits.maxBytes} characters`;
  let lines = 0;
  let sections = 0;
  let bundles = 0;
  const mids = new Set<string>();
  let ssrcs = 0;
  let rids = 0;
  let extmaps = 0;
  let candidates = 0;
  let extIds = new Set<number>();
  let start = 0;
  while (start <= sdp.length) {
    let end = sdp.indexOf("\n", start);
    if (end < 0) end = sdp.length;
    const line = sdp.slice(start, end).replace(/\r$/, "");
    start = end + 1;
    if (++lines > limits.maxLines) return `description has more than ${limits.maxLines} lines`;
    if (line.length > limits.maxLineLength) return `a line is longer than ${limits.maxLineLength} characters`;
    if (line.startsWith("m=")) {
      if (++sections > limits.maxSections) return `description has more than ${limits.maxSections} media sections`;
      const formats = line.split(" ").length - 3;
      if (formats > limits.maxPayloadTypes) return `a media section lists more than ${limits.maxPayloadTypes} payload types`;
      ssrcs = rids = extmaps = candidates = 0;
      extIds = new Set();
    } else if (line.startsWith("a=group:BUNDLE")) {
      if (++bundles > 1) return "more than one a=group:BUNDLE line";
    } else if (line.startsWith("a=mid:")) {
      const mid = line.slice(6);
      if (mids.has(mid)) return `mid ${mid.slice(0, 32)} appears twice`;
      mids.add(mid);
    } else if (line.startsWith("a=ssrc:") || line.startsWith("a=ssrc-group:")) {
      if (++ssrcs > limits.maxSsrcLines) return `a media section has more than ${limits.maxSsrcLines} ssrc lines`;
    } else if (line.startsWith("a=rid:")) {
      if (++rids > limits.maxRids) return `a media section has more than ${limits.maxRids} rids`;
    } else if (line.startsWith("a=extmap:")) {
      if (++extmaps > limits.maxExtmaps) return `a media section has more than ${limits.maxExtmaps} header extensions`;
      const id = Number(/^a=extmap:(\d{1,3})[/ ]/.exec(line)?.[1]);
      if (!(id >= 1 && id <= 255)) return "an extmap id is outside 1–255";
      if (extIds.has(id)) return `extmap id ${id} is used twice in a section`;
      extIds.add(id);
    } else if (line.startsWith("a=candidate:")) {
      if (++candidates > limits.maxCandidates) return `a media section has more than ${limits.maxCandidates} candidates`;
    }
  }
  return undefined;
}
