/** One m-section of an SDP (RFC 8866 §5.14), as far as the SFU needs it. */
export interface MediaSection {
  kind: string;
  mid: string;
  direction: "sendrecv" | "sendonly" | "recvonly" | "inactive";
  /** Port 0 marks a rejected or stopped section (RFC 8843 §7.3). */
  port: number;
  /** Header extension ids by URI (RFC 8285 `a=extmap`). */
  extmap: Map<string, number>;
}

/** Lists the m-sections of an SDP with their mid, kind and direction. Never throws. */
export function mediaSections(sdp: string): MediaSection[] {
  const out: MediaSection[] = [];
  let current: MediaSection | undefined;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith("m=")) {
      const [kind = "", port = "0"] = line.slice(2).split(" ");
      current = { kind, mid: "", direction: "sendrecv", port: Number(port) || 0, extmap: new Map() };
      out.push(current);
    } else if (current) {
      if (line.startsWith("a=mid:")) current.mid = line.slice(6).trim();
      else if (line.startsWith("a=extmap:")) {
        // a=extmap:<id>[/<direction>] <uri> [<attributes>]
        const match = /^a=extmap:(\d+)(?:\/\w+)? (\S+)/.exec(line);
        const id = Number(match?.[1]);
        if (match?.[2] && id >= 1 && id <= 255) current.extmap.set(match[2], id);
      }
      else if (/^a=(sendrecv|sendonly|recvonly|inactive)$/.test(line)) {
        current.direction = line.slice(2) as MediaSection["direction"];
      }
    }
  }
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
  return undefined;
}
