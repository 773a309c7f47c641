import type { RTCPeerConnection } from "werift";

/**
 * Starts the connectivity checks of an ICE restart (RFC 8445 §9) that werift leaves unstarted.
 *
 * werift restarts an ICE agent when an offer carries fresh credentials (or on
 * `createOffer({ iceRestart: true })`), but its `connect()` skips every transport whose DTLS is
 * already connected — which is always the case in a restart, as DTLS outlives it — so the new
 * generation never runs a check and no pair is ever nominated: the media stops for good.
 * Call after each local answer and each remote answer; a transport whose ICE has a nominated
 * pair, is checking, or is closed is left alone, so outside a restart this does nothing.
 */
export function startIceAfterRestart(pc: RTCPeerConnection): void {
  for (const dtls of pc.dtlsTransports) {
    const ice = dtls.iceTransport;
    const connection = ice.connection as unknown as { nominated?: unknown; remoteUsername?: string };
    if (dtls.state !== "connected" || connection.nominated !== undefined || !connection.remoteUsername) continue;
    if (ice.state === "checking" || ice.state === "closed") continue;
    // A failure shows as the connection's state (failed), where the client notices it.
    ice.start().catch(() => undefined);
  }
}
