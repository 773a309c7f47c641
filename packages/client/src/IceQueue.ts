import type { IceCandidate } from "@confab/protocol";

/**
 * Holds remote ICE candidates until the connection has a remote description: a browser rejects
 * `addIceCandidate` before that, while trickle ICE (RFC 8838) lets candidates arrive first.
 */
export class IceQueue {
  private pending: (IceCandidate | null)[] = [];

  constructor(private readonly pc: RTCPeerConnection) {}

  async add(candidate: IceCandidate | null): Promise<void> {
    if (!this.pc.remoteDescription) {
      this.pending.push(candidate);
      return;
    }
    await this.apply(candidate);
  }

  /** Applies the held candidates; call after every setRemoteDescription. */
  async flush(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    for (const c of pending) await this.apply(c);
  }

  private async apply(candidate: IceCandidate | null): Promise<void> {
    try {
      // `null` (end of candidates) is signalled to the browser as an empty candidate.
      await this.pc.addIceCandidate(candidate ?? undefined);
    } catch (error) {
      // A candidate the browser cannot use (e.g. for a section that was since removed) is not
      // fatal: ICE proceeds with the others.
      console.warn("confab: ignored a remote ICE candidate", error);
    }
  }
}

/** Converts a browser candidate to its wire form. */
export function candidateToWire(candidate: RTCIceCandidate | null): IceCandidate | null {
  if (!candidate) return null;
  const init = candidate.toJSON();
  return {
    candidate: init.candidate ?? "",
    sdpMid: init.sdpMid ?? null,
    sdpMLineIndex: init.sdpMLineIndex ?? null,
    usernameFragment: init.usernameFragment ?? null,
  };
}
