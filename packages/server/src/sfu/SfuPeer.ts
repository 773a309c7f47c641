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
import { ErrorCode } from "@confab/protocol";
import { UserError } from "../errors.js";
import { restoreAfterFailure, snapshotPeer } from "./failedDescription.js";
import { mediaSections, negotiableCodecsOnly } from "./sdp.js";
import { sdpSyntaxProblem, sectionSlotsProblem, setupConflict, type SectionSlot } from "./sdpSyntax.js";
import { attachRtpLane } from "./rtpLane.js";

/** The mid and kind of each m-section, in order. */
function sectionSlots(sdp: string): SectionSlot[] {
  return mediaSections(sdp).map((s) => ({ mid: s.mid, kind: s.kind }));
}

/**
 * What the SFU's two kinds of peer connection share: a werift connection offering only the
 * allowed host addresses, and local ICE candidates held back until the first local SDP has
 * gone out (before it the client has nothing to attach them to).
 */
export class SfuPeer {
  readonly pc: RTCPeerConnection;
  private readonly allowed: ReadonlySet<string>;
  /** The encodings this connection negotiates (lower case), the only ones werift is shown. */
  private readonly encodings: ReadonlySet<string>;
  private readonly remoteCandidates: RemoteCandidates;
  /** The sections of the last offer taken: a re-offer keeps each at its place (JSEP). */
  private offeredSlots: SectionSlot[] = [];
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
    const config = peerConfig(rtc, role);
    this.encodings = new Set(
      [...(config.codecs?.audio ?? []), ...(config.codecs?.video ?? [])].map((c) => c.mimeType.split("/")[1]!.toLowerCase()),
    );
    this.pc = new RTCPeerConnection(config);
    attachRtpLane((this.pc as unknown as { router: unknown }).router);
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
   * Applies the client's offer (`sdp` as werift reads it: see `forWerift`) and makes the answer,
   * all or nothing: an offer werift cannot read, one that moves or drops a negotiated section,
   * or one werift fails on part-way is refused with `BAD_MESSAGE` and the reason, and the
   * connection is as before (see failedDescription.ts). Candidates werift must not check are
   * left out (see RemoteCandidates). `beforeAnswer` runs between the two steps.
   */
  async answerOffer(sdp: string): Promise<void> {
    const slots = sectionSlots(sdp);
    const first = this.offeredSlots.length === 0;
    const problem =
      sdpSyntaxProblem(sdp, first ? "offer" : "re-offer") ??
      sectionSlotsProblem(this.offeredSlots, slots, false) ??
      (first ? undefined : setupConflict(sdp, this.pc.localDescription?.sdp));
    if (problem) throw new UserError(ErrorCode.BAD_MESSAGE, problem);
    await this.applyRemote("offer", negotiableCodecsOnly(sdp, this.encodings), async () => {
      await this.pc.setLocalDescription(await this.pc.createAnswer());
    });
    this.offeredSlots = slots;
  }

  /**
   * Applies the client's answer to the offer in flight: exactly the offer's sections, each
   * with its mid and kind; refused (`BAD_MESSAGE`, connection as before) otherwise.
   */
  async applyAnswer(sdp: string): Promise<void> {
    const local = this.pc.localDescription;
    const offered = local ? sectionSlots(local.sdp) : [];
    const problem = sdpSyntaxProblem(sdp, "answer") ?? sectionSlotsProblem(offered, sectionSlots(sdp), true);
    if (problem) throw new UserError(ErrorCode.BAD_MESSAGE, problem);
    await this.applyRemote("answer", sdp, async () => undefined);
  }

  private async applyRemote(type: "offer" | "answer", sdp: string, then: () => Promise<void>): Promise<void> {
    if (this.closed) throw new UserError(ErrorCode.BAD_STATE, "the connection is closed");
    const ufrag = /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1];
    // An ICE restart starts the candidates afresh (werift forgets the old ones too).
    const restart = ufrag !== undefined && this.remoteUfrag !== undefined && ufrag !== this.remoteUfrag;
    const filtered = this.remoteCandidates.filterSdp(sdp, restart);
    const before = snapshotPeer(this.pc);
    try {
      await this.pc.setRemoteDescription({ type, sdp: withoutEndOfCandidates(filtered.sdp) });
      await then();
    } catch (error) {
      restoreAfterFailure(this.pc, before);
      const reason = error instanceof Error && error.message ? error.message : "werift could not apply it";
      throw new UserError(ErrorCode.BAD_MESSAGE, reason.slice(0, 200));
    }
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
    // The end of candidates is not werift's to know (see withoutEndOfCandidates).
    if (!candidate || candidate.candidate === "") return;
    const remember = this.pc.remoteDescription !== undefined && this.pc.remoteDescription !== null;
    if (!this.remoteCandidates.admit(candidate.candidate, remember)) return;
    await this.pc.addIceCandidate(candidate);
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

/**
 * `sdp` without its `a=end-of-candidates` lines. werift's ICE agent, told the client's
 * candidates ended while it has no candidate pair (none came yet, none usable: a browser whose
 * network has just come back has no interface to gather on), gives up for good: its connection
 * fails, but the agent still answers the client's checks, so once the browser's network is
 * there the browser sees ICE connected and waits forever for a DTLS handshake the SFU never
 * starts (1 s after a network came back, 4 runs in 8 of the resume E2E; the SDK's 15 s
 * fallback rejoined). Without the end, werift keeps checking until a pair is nominated or the
 * connection closes; the client decides when to give up.
 */
export function withoutEndOfCandidates(sdp: string): string {
  return sdp.replace(/^a=end-of-candidates\r?\n/gm, "");
}
