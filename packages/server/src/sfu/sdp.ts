/** Most simulcast layers a published video may have. */
export const MAX_LAYERS = 3;

/** One m-section of an SDP (RFC 8866 §5.14), as far as the SFU needs it. */
export interface MediaSection {
  kind: string;
  mid: string;
  direction: "sendrecv" | "sendonly" | "recvonly" | "inactive";
  /**
   * The m-line's port. 0 marks a disabled or rejected section — unless the section is
   * `bundle-only` and in the BUNDLE group (RFC 8843 §6, JSEP RFC 8829 §5.2.1: a max-bundle
   * offerer such as Firefox offers every section but the first this way), when it is live.
   */
  port: number;
  /** `a=bundle-only` (RFC 8843 §6): the section can only be used inside its BUNDLE group. */
  bundleOnly: boolean;
  /** Header extension ids by URI (RFC 8285 `a=extmap`). */
  extmap: Map<string, number>;
  /**
   * Simulcast stream ids the remote sends, low to high (RFC 8853 `a=simulcast:send`): in the
   * order the sender lists them — Chromium and Firefox both keep the order of `sendEncodings`,
   * which our SDK gives low to high — unless every one declares a size limit in its `a=rid`
   * (RFC 8851 §5: `max-height`, else `max-width`), which then decides.
   */
  sendRids: string[];
  /**
   * The media SSRCs the section announces (RFC 5576 `a=ssrc`), without the RTX ones
   * (`a=ssrc-group:FID media rtx`, RFC 4588 §8), which have a numbering of their own.
   */
  ssrcs: number[];
}

/** RFC 8851 §10: rid-syntax is alphanumeric plus - and _ (we also cap the length). */
const RID = /^[A-Za-z0-9_-]{1,16}$/;

/** The mids of every `a=group:BUNDLE` line (RFC 8843 §7.1), session level. */
function bundledMids(sdp: string): Set<string> {
  const mids = new Set<string>();
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith("a=group:BUNDLE")) for (const mid of line.slice("a=group:BUNDLE".length).trim().split(/\s+/)) if (mid) mids.add(mid);
  }
  return mids;
}

/**
 * Whether an m-section is disabled (RFC 8843 §7.3.3, §7.5.3): port 0, except a `bundle-only`
 * section in the BUNDLE group, which shares the group's transport (RFC 8843 §6).
 */
function disabled(section: MediaSection, bundle: Set<string>): boolean {
  return section.port === 0 && !(section.bundleOnly && bundle.has(section.mid));
}

/**
 * Lists the m-sections of an SDP with their mid, kind and direction; a disabled section
 * (port 0, and not a bundle-only member of the BUNDLE group) reads `inactive`. Never throws.
 */
export function mediaSections(sdp: string): MediaSection[] {
  const out: MediaSection[] = [];
  const rtxSsrcs = new Map<MediaSection, Set<number>>();
  const ridSizes = new Map<MediaSection, Map<string, number>>();
  let current: MediaSection | undefined;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith("m=")) {
      const [kind = "", port = "0"] = line.slice(2).split(" ");
      current = { kind, mid: "", direction: "sendrecv", port: Number(port) || 0, bundleOnly: false, extmap: new Map(), sendRids: [], ssrcs: [] };
      rtxSsrcs.set(current, new Set());
      ridSizes.set(current, new Map());
      out.push(current);
    } else if (current) {
      if (line.startsWith("a=mid:")) current.mid = line.slice(6).trim();
      else if (line.trim() === "a=bundle-only") current.bundleOnly = true;
      else if (line.startsWith("a=extmap:")) {
        // a=extmap:<id>[/<direction>] <uri> [<attributes>]
        const match = /^a=extmap:(\d+)(?:\/\w+)? (\S+)/.exec(line);
        const id = Number(match?.[1]);
        if (match?.[2] && id >= 1 && id <= 255) current.extmap.set(match[2], id);
      }
      else if (line.startsWith("a=simulcast:send ")) {
        // a=simulcast:send q;h;f  (each ;-group may list ,-alternatives: the first is used;
        // a ~ prefix marks a paused stream, which is still a layer).
        const list = line.slice("a=simulcast:send ".length).split(" ")[0] ?? "";
        current.sendRids = list
          .split(";")
          .map((group) => (group.split(",")[0] ?? "").replace(/^~/, ""))
          .filter((rid) => rid.length > 0);
      }
      else if (line.startsWith("a=rid:")) {
        // a=rid:<id> send [pt=…;]max-width=1280;max-height=720 (RFC 8851 §10)
        const match = /^a=rid:(\S+) send(?: (\S+))?/.exec(line);
        if (match?.[1]) {
          const params = new Map((match[2] ?? "").split(";").map((p) => p.split("=") as [string, string]));
          const size = Number(params.get("max-height") ?? params.get("max-width"));
          if (size > 0) ridSizes.get(current)!.set(match[1], size);
        }
      }
      else if (line.startsWith("a=ssrc:")) {
        const ssrc = Number(/^a=ssrc:(\d+)/.exec(line)?.[1]);
        if (Number.isInteger(ssrc) && ssrc <= 0xffffffff && !current.ssrcs.includes(ssrc)) current.ssrcs.push(ssrc);
      }
      else if (line.startsWith("a=ssrc-group:FID ")) {
        const rtx = Number(line.split(" ")[2]);
        if (Number.isInteger(rtx)) rtxSsrcs.get(current)!.add(rtx);
      }
      else if (/^a=(sendrecv|sendonly|recvonly|inactive)$/.test(line)) {
        current.direction = line.slice(2) as MediaSection["direction"];
      }
    }
  }
  for (const s of out) {
    s.ssrcs = s.ssrcs.filter((ssrc) => !rtxSsrcs.get(s)!.has(ssrc));
    const sizes = ridSizes.get(s)!;
    if (s.sendRids.length > 1 && s.sendRids.every((rid) => sizes.has(rid))) {
      s.sendRids = [...s.sendRids].sort((a, b) => sizes.get(a)! - sizes.get(b)!);
    }
  }
  const bundle = bundledMids(sdp);
  return out.map((s) => (disabled(s, bundle) ? { ...s, direction: "inactive" } : s));
}

/**
 * The SDP as werift should read it; two things Firefox does that werift misreads:
 * - werift takes every port-0 section as rejected, so a live `bundle-only` section (RFC 8843
 *   §6) gets the discard port 9 that other offerers put there (JSEP RFC 8829 §5.2.1 gives both
 *   forms the same meaning inside a BUNDLE group). Without this Firefox's camera and screen
 *   were answered `inactive` and nobody saw them.
 * - Firefox announces an SSRC per simulcast layer (`a=ssrc`, `a=ssrc-group:FID`) besides the
 *   rids; werift binds the first announced SSRC to a receiver track of its own, without a rid,
 *   so that layer's packets bypass rid routing and landed on the lowest layer (the top layer
 *   never arrived, and two streams were mixed in one). In a section with `a=simulcast` the
 *   SSRC lines go: layers are told apart by their RID header extension (RFC 8852), as for
 *   Chromium, which announces none.
 */
export function forWerift(sdp: string): string {
  const bundle = bundledMids(sdp);
  return sdp
    .split(/(?=^m=)/m)
    .map((block) => {
      if (!block.startsWith("m=")) return block;
      const lines = block.split(/\r?\n/);
      const mid = lines.find((l) => l.startsWith("a=mid:"))?.slice(6).trim();
      let out = block;
      if (lines.some((l) => l.startsWith("a=simulcast:"))) {
        out = out.replace(/^a=ssrc(-group)?:.*(\r?\n|$)/gm, "");
      }
      const bundleOnly = lines.some((l) => l.trim() === "a=bundle-only");
      if (bundleOnly && mid !== undefined && bundle.has(mid)) {
        out = out.replace(/^(m=\S+ )0 /, (_, head: string) => `${head}9 `);
      }
      return out;
    })
    .join("");
}

/**
 * Checks what the SFU needs of a remote description before handing it to werift (which is
 * lenient): a version line, at least one m-section, ICE credentials and a DTLS fingerprint
 * (RFC 8829 §5.8, RFC 8842 §5). Returns a reason, or undefined when the SDP is usable.
 */
export function sdpProblem(sdp: string): string | undefined {
  if (!sdp.startsWith("v=0")) return "SDP must start with v=0";
  const lines = sdp.split(/\r?\n/);
  if (!lines.some((l) => l.startsWith("m="))) return "SDP has no media section";
  if (!lines.some((l) => l.startsWith("a=ice-ufrag:"))) return "SDP has no a=ice-ufrag";
  if (!lines.some((l) => l.startsWith("a=ice-pwd:"))) return "SDP has no a=ice-pwd";
  if (!lines.some((l) => l.startsWith("a=fingerprint:"))) return "SDP has no a=fingerprint";
  for (const section of mediaSections(sdp)) {
    if (section.sendRids.length > MAX_LAYERS) return `a=simulcast lists more than ${MAX_LAYERS} streams`;
    if (section.sendRids.some((rid) => !RID.test(rid))) return "a=simulcast has an invalid rid";
    if (section.sendRids.length > 0 && section.kind !== "video") return "a=simulcast on a non-video section";
  }
  return undefined;
}

/**
 * `sdp` with each audio and video section listing only the codecs the SFU negotiates, each
 * once (the first payload type of each encoding in `encodings`, lower case), with their
 * a=rtpmap, a=fmtp and a=rtcp-fb lines; a section with none of them is left as it is (werift
 * then rejects it). werift builds objects for every codec of every section and keeps them with
 * the connection: a 12-section offer of 30 codecs each kept ~200 KiB more than the same offer
 * with one codec a section, for codecs that can never be chosen (the SFU forwards one codec).
 */
export function negotiableCodecsOnly(sdp: string, encodings: ReadonlySet<string>): string {
  return sdp
    .split(/(?=^m=)/m)
    .map((block) => {
      if (!/^m=(audio|video) /.test(block)) return block;
      const kept = new Set<string>();
      const seen = new Set<string>();
      for (const match of block.matchAll(/^a=rtpmap:(\d+) ([^/\s]+)\//gm)) {
        const encoding = match[2]!.toLowerCase();
        if (encodings.has(encoding) && !seen.has(encoding)) {
          seen.add(encoding);
          kept.add(match[1]!);
        }
      }
      if (kept.size === 0) return block;
      const lines = block.split(/(?<=\n)/);
      const mLine = lines[0]!.replace(/\r?\n$/, "").split(" ");
      const end = lines[0]!.slice(lines[0]!.replace(/\r?\n$/, "").length);
      const head = [...mLine.slice(0, 3), ...mLine.slice(3).filter((pt) => kept.has(pt))].join(" ") + end;
      const rest = lines.slice(1).filter((line) => {
        const pt = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)[ \r\n]/.exec(line)?.[1];
        return pt === undefined || kept.has(pt);
      });
      return head + rest.join("");
    })
    .join("");
}
