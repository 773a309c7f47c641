/** One m-section of an SDP (RFC 8866 §5.14), as far as the SFU needs it. */
export interface MediaSection {
  kind: string;
  mid: string;
  direction: "sendrecv" | "sendonly" | "recvonly" | "inactive";
  /** Port 0 marks a rejected or stopped section (RFC 8843 §7.3). */
  port: number;
}

/** Lists the m-sections of an SDP with their mid, kind and direction. Never throws. */
export function mediaSections(sdp: string): MediaSection[] {
  const out: MediaSection[] = [];
  let current: MediaSection | undefined;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith("m=")) {
      const [kind = "", port = "0"] = line.slice(2).split(" ");
      current = { kind, mid: "", direction: "sendrecv", port: Number(port) || 0 };
      out.push(current);
    } else if (current) {
      if (line.startsWith("a=mid:")) current.mid = line.slice(6).trim();
      else if (/^a=(sendrecv|sendonly|recvonly|inactive)$/.test(line)) {
        current.direction = line.slice(2) as MediaSection["direction"];
      }
    }
  }
  return out.map((s) => (s.port === 0 ? { ...s, direction: "inactive" } : s));
}
