import type { ServerConfig } from "../config/config.js";
import { ErrorCode } from "@confab/protocol";
import { UserError } from "../errors.js";
import { sdpProblem, forWerift } from "./sdp.js";
import { PROBE_OFFER_LIMITS, sdpLimitProblem } from "./sdpLimits.js";
import { SfuPeer } from "./SfuPeer.js";

/** How long a probe connection may live, ms. */
const PROBE_LIFETIME_MS = 15_000;
/** How long to wait for werift's host candidates before answering anyway, ms. */
const GATHER_TIMEOUT_MS = 2_000;

/**
 * A throw-away connection for the lobby's connectivity test: proves that ICE finds a candidate
 * pair and DTLS completes between this browser and the SFU, without joining a room.
 */
export class ProbePeer {
  private readonly peer: SfuPeer;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(rtc: ServerConfig["rtc"]) {
    // No trickle: candidates travel inside the SDP, so the callbacks have nothing to do.
    this.peer = new SfuPeer(rtc, () => undefined, "subscriber");
    // A failed probe has served its purpose: free its socket at once.
    this.peer.pc.connectionStateChange.subscribe((state) => {
      if (state === "failed" || state === "closed") this.close();
    });
    this.timer = setTimeout(() => this.close(), PROBE_LIFETIME_MS);
    this.timer.unref();
  }

  /** Applies the browser's complete offer; resolves with a complete answer. */
  async answer(offer: string): Promise<string> {
    // Bounded first, as a publisher offer is: a probe comes before joining, from anyone.
    const problem = sdpLimitProblem(offer, PROBE_OFFER_LIMITS) ?? sdpProblem(offer);
    if (problem) throw new UserError(ErrorCode.BAD_MESSAGE, `probe offer rejected: ${problem}`);
    const pc = this.peer.pc;
    try {
      await this.peer.answerOffer(forWerift(offer));
    } catch (error) {
      throw new UserError(ErrorCode.BAD_MESSAGE, `probe offer rejected: ${(error as Error).message}`);
    }
    if (pc.iceGatheringState !== "complete") {
      await new Promise<void>((resolve) => {
        const done = setTimeout(resolve, GATHER_TIMEOUT_MS);
        pc.iceGatheringStateChange.subscribe((state) => {
          if (state === "complete") {
            clearTimeout(done);
            resolve();
          }
        });
      });
    }
    return this.peer.localSdp();
  }

  /** Closes the connection; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.peer.close();
  }
}
