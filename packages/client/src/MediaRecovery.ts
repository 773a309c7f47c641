import type { IceServer } from "@confab/protocol";
import { diagnoseFailure, type MediaDiagnosis } from "./connectionPath.js";
import { ClientError } from "./errors.js";

/**
 * How long an ICE restart may take to bring a failed media connection back before the SDK
 * gives up on it and rejoins with fresh connections, ms.
 */
export const ICE_RESTART_TIMEOUT_MS = 20_000;
/**
 * How long a new media connection may take to come up before the SDK rejoins with fresh ones,
 * ms. Seen when a connection is made while the network is changing: ICE succeeds, DTLS never
 * completes.
 */
export const CONNECT_TIMEOUT_MS = 15_000;

/** What media recovery needs from the room around it. */
export interface MediaRecoveryHooks {
  /** Whether `pc` is one of the current media connections (a rejoin replaces them). */
  isCurrent(pc: RTCPeerConnection): boolean;
  /** Whether the room is joined: recovery acts only then (a resume restarts what broke meanwhile). */
  joined(): boolean;
  /** Starts an ICE restart of `pc`; false when it is not a current connection. */
  restartIce(pc: RTCPeerConnection): boolean;
  /** The ICE servers of the last join, to tell what was blocked. */
  iceServers(): IceServer[];
  /** Gives up on the media connections: rejoin with fresh ones. */
  rejoin(cause: ClientError): void;
  /** {@link MediaRecovery.problem} changed. */
  changed(): void;
}

/**
 * Brings failed media connections back. A connection whose ICE failed is restarted (RFC 8445
 * §9), keeping its tracks; its statistics say at once what was blocked ({@link problem}); only
 * if the restart does not bring it back within {@link ICE_RESTART_TIMEOUT_MS}, or a new
 * connection never comes up within {@link CONNECT_TIMEOUT_MS}, does the room rejoin.
 */
export class MediaRecovery {
  /** Per media connection that failed: when to give up on its ICE restart. */
  private readonly restarts = new Map<RTCPeerConnection, ReturnType<typeof setTimeout>>();
  private readonly connectTimers = new Set<ReturnType<typeof setTimeout>>();
  private problemValue: MediaDiagnosis | undefined;

  constructor(private readonly hooks: MediaRecoveryHooks) {}

  /**
   * Set when a media connection failed (cleared when one connects again): what the failure
   * says about the network.
   */
  get problem(): MediaDiagnosis | undefined {
    return this.problemValue;
  }

  /** Follows a new media connection's state for as long as it is current. */
  watch(pc: RTCPeerConnection): void {
    let connecting: ReturnType<typeof setTimeout> | undefined;
    pc.addEventListener("connectionstatechange", () => {
      if (!this.hooks.isCurrent(pc)) return;
      if (pc.connectionState === "connecting" && connecting === undefined) {
        // Only a connection that never came up at all: a restart has its own timeout.
        const timer = setTimeout(() => {
          this.connectTimers.delete(timer);
          const stuck = () => pc.connectionState === "connecting" && this.hooks.joined() && !this.restarts.has(pc) && this.hooks.isCurrent(pc);
          if (!stuck()) return;
          // What was blocked, read before the rejoin closes the connection.
          void this.diagnose(pc).then(() => {
            if (stuck()) this.hooks.rejoin(new ClientError("MEDIA_FAILED", "the media connection did not come up"));
          });
        }, CONNECT_TIMEOUT_MS);
        connecting = timer;
        this.connectTimers.add(timer);
      }
      if (pc.connectionState === "connected") {
        clearTimeout(this.restarts.get(pc));
        this.restarts.delete(pc);
        if (this.problemValue) {
          this.problemValue = undefined;
          this.hooks.changed();
        }
        return;
      }
      if (pc.connectionState !== "failed" || !this.hooks.joined()) return;
      this.restart(pc);
      void this.diagnose(pc);
    });
  }

  /** Restarts ICE on `pc` and gives up on it (rejoins) if it is not connected again in time. */
  restart(pc: RTCPeerConnection): void {
    if (!this.hooks.restartIce(pc) || this.restarts.has(pc)) return;
    this.restarts.set(
      pc,
      setTimeout(() => {
        this.restarts.delete(pc);
        if (pc.connectionState === "connected" || !this.hooks.joined() || !this.hooks.isCurrent(pc)) return;
        this.hooks.rejoin(new ClientError("MEDIA_FAILED", "the media connection failed and an ICE restart did not bring it back"));
      }, ICE_RESTART_TIMEOUT_MS),
    );
  }

  /**
   * After a resume: a connection that failed or lost its path while the signaling was down
   * (the network went away) comes back through an ICE restart; its tracks stay.
   */
  restartBroken(pcs: readonly RTCPeerConnection[]): void {
    for (const pc of pcs) {
      if (pc.connectionState === "failed" || pc.connectionState === "disconnected" || pc.iceConnectionState === "disconnected") this.restart(pc);
    }
  }

  /** The media connections are gone (rejoin or close): no restart or connect timeout runs on; idempotent. */
  clear(): void {
    for (const timer of this.restarts.values()) clearTimeout(timer);
    this.restarts.clear();
    for (const timer of this.connectTimers) clearTimeout(timer);
    this.connectTimers.clear();
  }

  /** Sets {@link problem} from a connection that failed or never came up (unless it connected meanwhile). */
  private async diagnose(pc: RTCPeerConnection): Promise<void> {
    const iceServers = this.hooks.iceServers();
    const diagnosis = await pc.getStats().then(
      (report) => diagnoseFailure(report, iceServers),
      () => diagnoseFailure(new Map(), iceServers),
    );
    if (pc.connectionState === "connected") return;
    this.problemValue = diagnosis;
    this.hooks.changed();
  }
}
