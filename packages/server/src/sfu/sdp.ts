/** Most simulcast layers a published video may have. */
export const MAX_LAYERS = 3;

/** One m-section of an SDP (RFC 8866 §5.14), as far as the SFU needs it. */
export interface MediaSection {
  kind: string;
  mid: string;
  direction: "sendrecv" | "sendonly" | "recvonly" | "inactive";
  /** Port 0 marks a rejected or stopped section (RFC 8843 §7.3). */
  port: number;
  /** Header extension ids by URI (RFC 8285 `a=extmap`). */
  extmap: Map<string, number>;
  /** Simulcast stream ids the remote sends, in its order (RFC 8853 `a=simulcast:send`). */
  sendRids: string[];
  /**
   * The media SSRCs the section announces (RFC 5576 `a=ssrc`), without the RTX ones
   * (`a=ssrc-group:FID media rtx`, RFC 4588 §8), which have a numbering of their own.
   */
  ssrcs: number[];
}

/** RFC 8851 §10: rid-syntax is alphanumeric plus - and _ (we also cap the length). */
const RID = /^[A-Za-z0-9_-]{1,16}$/;

/** Lists the m-sections of an SDP with their mid, kind and direction. Never throws. */
export function mediaSections(sdp: string): MediaSection[] {
  const out: MediaSection[] = [];
  const rtxSsrcs = new Map<MediaSection, Set<number>>();
  let current: MediaSection | undefined;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith("m=")) {
      const [kind = "", port = "0"] = line.slice(2).split(" ");
      current = { kind, mid: "", direction: "sendrecv", port: Number(port) || 0, extmap: new Map(), sendRids: [], ssrcs: [] };
      rtxSsrcs.set(current, new Set());
      out.push(current);
    } else if (current) {
      if (line.startsWith("a=mid:")) current.mid = line.slice(6).trim();
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
  for (const s of out) s.ssrcs = s.ssrcs.filter((ssrc) => !rtxSsrcs.get(s)!.has(ssrc));
  return out.map((s) => (s.port === 0 ? { ...s, direction: "inactive" } : s));
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
