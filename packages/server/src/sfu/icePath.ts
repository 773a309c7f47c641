import type { RTCPeerConnection } from "werift";

/**
 * How a participant's media reaches the server, as an operator asks it ("is this person on
 * UDP, squeezed through TCP, or relayed by TURN?"):
 * - `udp`: a direct UDP candidate pair (host or server-reflexive; the best case);
 * - `tcp`: ICE-TCP (RFC 6544) without a relay;
 * - `relay`: either end of the pair is a TURN relay candidate (RFC 8656), whatever the
 *   transport between the client and its TURN server.
 */
export type IcePath = "udp" | "tcp" | "relay";

/** The fields of a werift candidate the path is read from (`type` as in RFC 8445 §5.1.1.1). */
export interface PathCandidate {
  /** `host`, `srflx`, `prflx` or `relay`. */
  type: string;
  /** `udp` or `tcp` (any case: SDP spells it either way). */
  transport: string;
}

/**
 * A selected candidate pair, as werift's `CandidatePair` holds it: the local candidate lives on
 * the pair's protocol (werift's `localCandidate` getter throws when it is missing).
 */
export interface PathPair {
  protocol: { localCandidate?: PathCandidate };
  remoteCandidate: PathCandidate;
}

/** The path of one candidate pair. */
export function icePathOfPair(pair: PathPair): IcePath {
  const local = pair.protocol.localCandidate;
  const remote = pair.remoteCandidate;
  if (local?.type === "relay" || remote.type === "relay") return "relay";
  if (local?.transport.toLowerCase() === "tcp" || remote.transport.toLowerCase() === "tcp") return "tcp";
  return "udp";
}

/** ICE states in which the nominated pair carries media (RFC 8445 §6.1.3). */
const UP = new Set(["connected", "completed"]);

/**
 * The path a werift peer connection's media takes now: its nominated pair (the selected one,
 * RFC 8445 §8.1.1), or `null` while no pair is nominated or the ICE agent is not connected
 * (new, checking, disconnected, failed, closed). With BUNDLE the connection has one transport;
 * should it have several, the first connected one answers.
 */
export function icePathOf(pc: RTCPeerConnection): IcePath | null {
  for (const transport of pc.iceTransports) {
    const connection = transport.connection;
    const pair = connection.nominated;
    if (pair && UP.has(connection.state)) return icePathOfPair(pair);
  }
  return null;
}
