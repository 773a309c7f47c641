/**
 * Which way media travels, read from a peer connection's statistics (W3C webrtc-stats: the
 * transport's selected candidate pair and its local candidate).
 *
 * - `udp`, `tcp`: straight to the SFU (UDP, or ICE-TCP, RFC 6544);
 * - `relay-udp`, `relay-tcp`, `relay-tls`: through the TURN relay, reached over UDP, TCP or TLS.
 */
export type ConnectionPath = "udp" | "tcp" | "relay-udp" | "relay-tcp" | "relay-tls";

type Stat = Record<string, unknown> & { id?: string; type?: string };

function entries(report: Iterable<unknown> | { forEach(cb: (s: Stat) => void): void }): Stat[] {
  const out: Stat[] = [];
  (report as { forEach(cb: (s: Stat) => void): void }).forEach((s) => out.push(s));
  return out;
}

/** The path of the selected candidate pair in `report` (an RTCStatsReport), if one is selected. */
export function pathFromStats(report: { forEach(cb: (s: Stat) => void): void }): ConnectionPath | undefined {
  const stats = entries(report);
  const byId = new Map(stats.map((s) => [s.id, s]));
  const transport = stats.find((s) => s.type === "transport" && typeof s.selectedCandidatePairId === "string");
  const pair =
    (transport && byId.get(transport.selectedCandidatePairId as string)) ??
    // Firefox has no transport stats: the nominated, succeeded pair is the selected one.
    stats.find((s) => s.type === "candidate-pair" && s.nominated === true && s.state === "succeeded" && (s.selected === undefined || s.selected === true));
  const local = pair && byId.get(pair.localCandidateId as string);
  if (!local) return undefined;
  if (local.candidateType === "relay") {
    const relay = String(local.relayProtocol ?? "udp");
    return relay === "tls" ? "relay-tls" : relay === "tcp" ? "relay-tcp" : "relay-udp";
  }
  return local.protocol === "tcp" ? "tcp" : "udp";
}

/** What a failed media connection tells about the network it ran on. */
export interface MediaDiagnosis {
  /**
   * - `no-relay`: the direct path failed and the server offers no TURN relay;
   * - `relay-blocked`: the direct path failed and the relay could not be reached either (no
   *   relay candidate was gathered: UDP and TCP/TLS to the relay are blocked);
   * - `relay-failed`: a relay was reached but no path through it worked.
   */
  kind: "no-relay" | "relay-blocked" | "relay-failed";
  /** Host names of the TURN servers offered (for the message to the network administrator). */
  relayHosts: string[];
}

/** Host of a `turn:`/`turns:` URL (`turn:host:port?transport=…`). */
export function turnHost(url: string): string | undefined {
  const match = /^turns?:(\[[^\]]+\]|[^:?]+)/.exec(url);
  return match?.[1];
}

/**
 * Why media could not connect, from the failed connection's statistics and the ICE servers it
 * was given.
 */
export function diagnoseFailure(report: { forEach(cb: (s: Stat) => void): void }, iceServers: readonly RTCIceServer[]): MediaDiagnosis {
  const turnUrls = iceServers.flatMap((s) => (Array.isArray(s.urls) ? s.urls : [s.urls])).filter((u) => /^turns?:/.test(u));
  const relayHosts = [...new Set(turnUrls.map(turnHost).filter((h): h is string => h !== undefined))];
  if (turnUrls.length === 0) return { kind: "no-relay", relayHosts };
  const gatheredRelay = entries(report).some((s) => s.type === "local-candidate" && s.candidateType === "relay");
  return { kind: gatheredRelay ? "relay-failed" : "relay-blocked", relayHosts };
}
