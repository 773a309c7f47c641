import { RTCPeerConnection } from "werift";
import type { IceCandidate } from "@confab/protocol";
import type { ServerConfig } from "../config/config.js";
import { icePathOf, type IcePath } from "./icePath.js";
import { installWeriftPatches } from "./weriftPatches.js";
import { selectFastPath } from "./native/fastPath.js";
import {
  filterSdpCandidates,
  hostAddresses,
  loopbackCandidatesAllowed,
  onAllowedCandidates,
  peerConfig,
  unifyExtensionIds,
  type PeerRole,
} from "./peer-config.js";
import { MAX_REMOTE_CANDIDATES, RemoteCandidates } from "./RemoteCandidates.js";

/**
 * What the SFU's two kinds of peer connection share: a werift connection offering only the
 * allowed host addresses, and local ICE candidates held back until the first local SDP has
 * gone out (before it the client has nothing to attach them to).
 */
export class SfuPeer {
  readonly pc: RTCPeerConnection;
  private readonly allowed: ReadonlySet<string>;
  private readonly remoteCandidates: RemoteCandidates;
  /** The client's ICE ufrag in its last description: a new one is an ICE restart. */
  private remoteUfrag: string | undefined;
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
    this.remoteCandidates = new RemoteCandidates({ allowLoopback: loopbackCandidatesAllowed(rtc), maxCandidates: MAX_REMOTE_CANDIDATES });
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
   * Applies a remote description (`sdp` as werift reads it: see `forWerift`) without the
   * candidates werift must not check (see RemoteCandidates). Throws `BAD_MESSAGE` when it
   * lists too many, or werift's error.
   */
  async setRemoteDescription(type: "offer" | "answer", sdp: string): Promise<void> {
    const ufrag = /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1];
    // An ICE restart starts the candidates afresh (werift forgets the old ones too).
    if (ufrag !== undefined && this.remoteUfrag !== undefined && ufrag !== this.remoteUfrag) this.remoteCandidates.clear();
    const filtered = this.remoteCandidates.filterSdp(sdp);
    await this.pc.setRemoteDescription({ type, sdp: filtered.sdp });
    filtered.commit();
    this.remoteUfrag = ufrag ?? this.remoteUfrag;
  }

  /**
   * Adds a trickled remote candidate (`null` or an empty one: the end of candidates). Throws
   * `BAD_MESSAGE` with the reason for a candidate refused or one too many; one werift has
   * already is not given again.
   */
  async addRemoteCandidate(candidate: IceCandidate | null): Promise<void> {
    if (this.closed) return;
    const remember = this.pc.remoteDescription !== undefined && this.pc.remoteDescription !== null;
    if (candidate && candidate.candidate !== "" && !this.remoteCandidates.admit(candidate.candidate, remember)) return;
    await this.pc.addIceCandidate(candidate ?? undefined);
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
