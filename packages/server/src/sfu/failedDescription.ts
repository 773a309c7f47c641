import type { RTCDtlsTransport, RTCPeerConnection, RTCRtpTransceiver, RTCSignalingState } from "werift";

/**
 * Undoing what werift made for a remote description it then failed to apply.
 *
 * werift 0.25 applies a description step by step: it records the description, makes a
 * transceiver (and, outside a BUNDLE group, a transport) per new section, and only then meets
 * what it cannot do ("invalid media kind", a codec it cannot read, an answer it cannot build).
 * It throws from there and keeps everything made so far: a participant repeating such an offer
 * with new mids grew its connection by two transceivers an offer, without bound, and a failed
 * re-offer left a second transport whose two UDP sockets opened at the next offer. Its own
 * rollback (`setRemoteDescription({ type: "rollback" })`) only applies once the offer was taken
 * (signaling state `have-remote-offer`). This puts the connection back as it was before.
 *
 * The checks of sdpSyntax.ts keep the known failures from reaching werift; this is for the
 * rest. It reaches into werift's private state: failedDescription.test.ts fails loudly when a
 * werift upgrade moves it.
 */

/** werift's private members this module uses (werift 0.25). */
interface WeriftInternals {
  signalingState: RTCSignalingState;
  setSignalingState(state: RTCSignalingState): void;
  closeIdleTransports(candidates: (RTCDtlsTransport | undefined)[]): void;
  transceiverManager: {
    transceivers: RTCRtpTransceiver[];
    rollbackRemoteOffer(): void;
    unwatchTransceiver(transceiver: RTCRtpTransceiver): void;
  };
  sdpManager: Record<(typeof DESCRIPTION_FIELDS)[number], unknown>;
}

const DESCRIPTION_FIELDS = ["currentLocalDescription", "currentRemoteDescription", "pendingLocalDescription", "pendingRemoteDescription"] as const;

/** What a connection held before a description was applied. */
export interface PeerSnapshot {
  readonly signalingState: RTCSignalingState;
  /** Each transceiver with the transport it used. */
  readonly transceivers: ReadonlyMap<RTCRtpTransceiver, RTCDtlsTransport | undefined>;
  readonly descriptions: readonly unknown[];
}

function internals(pc: RTCPeerConnection): WeriftInternals {
  return pc as unknown as WeriftInternals;
}

/** Whether this werift has the private members {@link restoreAfterFailure} needs. */
export function weriftHasRollbackInternals(pc: RTCPeerConnection): boolean {
  const w = internals(pc);
  return (
    typeof w.setSignalingState === "function" &&
    typeof w.closeIdleTransports === "function" &&
    Array.isArray(w.transceiverManager?.transceivers) &&
    typeof w.transceiverManager.rollbackRemoteOffer === "function" &&
    typeof w.transceiverManager.unwatchTransceiver === "function" &&
    DESCRIPTION_FIELDS.every((field) => field in w.sdpManager)
  );
}

/** Takes a snapshot of `pc` to restore with {@link restoreAfterFailure}. */
export function snapshotPeer(pc: RTCPeerConnection): PeerSnapshot {
  const w = internals(pc);
  return {
    signalingState: pc.signalingState,
    transceivers: new Map(pc.getTransceivers().map((t) => [t, t.dtlsTransport])),
    descriptions: DESCRIPTION_FIELDS.map((field) => w.sdpManager[field]),
  };
}

/**
 * Puts `pc` back as it was at `before` after werift failed applying a remote description (or
 * answering one): the transceivers werift made since are stopped and dropped, the transports
 * only they used are closed (with their UDP sockets and timers), the descriptions and signaling
 * state are those of before. Never throws.
 */
export function restoreAfterFailure(pc: RTCPeerConnection, before: PeerSnapshot): void {
  if (pc.connectionState === "closed") return;
  const w = internals(pc);
  try {
    const transportsBefore = new Set(before.transceivers.values());
    const transports = pc.getTransceivers().map((t) => t.dtlsTransport);
    // Restores the transceivers' mids and m-line places as they were when the offer began.
    w.transceiverManager.rollbackRemoteOffer();
    const list = w.transceiverManager.transceivers;
    for (const transceiver of [...list]) {
      if (before.transceivers.has(transceiver)) continue;
      (transceiver as unknown as { forceStop(): void }).forceStop();
      w.transceiverManager.unwatchTransceiver(transceiver);
      list.splice(list.indexOf(transceiver), 1);
    }
    // A re-offer may have moved a section onto a new transport (a BUNDLE group it changed).
    for (const [transceiver, transport] of before.transceivers) {
      if (transport && transceiver.dtlsTransport !== transport) transceiver.setDtlsTransport(transport);
    }
    DESCRIPTION_FIELDS.forEach((field, i) => (w.sdpManager[field] = before.descriptions[i]));
    if (pc.signalingState !== before.signalingState) w.setSignalingState(before.signalingState);
    // Closes each transport no live section uses any more (werift's own rule).
    w.closeIdleTransports(transports.filter((t) => !transportsBefore.has(t)));
  } catch {
    // Best effort: the connection is closed with the participant in any case.
  }
}
