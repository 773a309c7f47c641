import { RTCPeerConnection } from "werift";
import type { IceCandidate } from "@confab/protocol";
import type { ServerConfig } from "../config/config.js";
import { icePathOf, type IcePath } from "./icePath.js";
import { installWeriftPatches } from "./weriftPatches.js";
import { selectFastPath } from "./native/fastPath.js";
import { filterSdpCandidates, hostAddresses, onAllowedCandidates, peerConfig, unifyExtensionIds, type PeerRole } from "./peer-config.js";

/**
 * What the SFU's two kinds of peer connection share: a werift connection offering only the
 * allowed host addresses, and local ICE candidates held back until the first local SDP has
 * gone out (before it the client has nothing to attach them to).
 */
export class SfuPeer {
  readonly pc: RTCPeerConnection;
  private readonly allowed: ReadonlySet<string>;
  private pending: (IceCandidate | null)[] | undefined = [];
  private closed = false;

  constructor(
    rtc: ServerConfig["rtc"],
    private readonly onCandidate: (candidate: IceCandidate | null) => void,
    role: PeerRole,
    /** The connection came up (ICE and DTLS), with the path its media takes. */
    onConnected?: (path: IcePath | null) => void,
  ) {
    // Before werift parses any packet or handshake of this thread's connections.
    installWeriftPatches(rtc.udpBufferBytes);
    selectFastPath(rtc.fastpath);
    this.allowed = new Set(hostAddresses(rtc));
    this.pc = new RTCPeerConnection(peerConfig(rtc, role));
    unifyExtensionIds(this.pc);
    onAllowedCandidates(this.pc, this.allowed, (candidate) => {
      if (this.closed) return;
      if (this.pending) this.pending.push(candidate);
      else this.onCandidate(candidate);
    });
    this.pc.connectionStateChange.subscribe((state) => {
      if (!this.closed && state === "connected") onConnected?.(this.icePath);
    });
  }

  /** The path the media takes now (`null` while ICE is not connected). */
  get icePath(): IcePath | null {
    return this.closed ? null : icePathOf(this.pc);
  }

  /** The local description to send, without candidates on other addresses. */
  localSdp(): string {
    const local = this.pc.localDescription;
    if (!local) throw new Error("werift produced no local description");
    return filterSdpCandidates(local.sdp, this.allowed);
  }

  /**
   * Holds local candidates until the next `releaseCandidates` (a negotiation in progress whose
   * SDP has not gone out yet, e.g. an ICE restart's).
   */
  holdCandidates(): void {
    this.pending ??= [];
  }

  /** Call once a local SDP is sent: releases the candidates held until then. */
  releaseCandidates(): void {
    const pending = this.pending;
    this.pending = undefined;
    for (const c of pending ?? []) this.onCandidate(c);
  }

  /** Closes the connection; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pc.close().catch(() => undefined);
  }
}
