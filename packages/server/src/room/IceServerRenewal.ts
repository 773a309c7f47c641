import type { IceServer, ServerMessage } from "@confab/protocol";
import { turnIceServers } from "../auth/turnCredentials.js";
import type { ServerConfig } from "../config/config.js";

/** Longest head start a renewal takes on the expiry, ms: coturn's clock may run a little ahead of ours. */
const MAX_RENEWAL_MARGIN_MS = 10 * 60_000;

/**
 * How long before its TURN credentials expire a participant gets new ones: a quarter of
 * `TURN_TTL`, at most {@link MAX_RENEWAL_MARGIN_MS} (6 h credentials are renewed 10 min early).
 */
export function renewalMarginMs(ttlSeconds: number): number {
  return Math.min((ttlSeconds * 1000) / 4, MAX_RENEWAL_MARGIN_MS);
}

/**
 * A participant's ICE servers (`ICE_SERVERS` plus, with a TURN relay, its own credentials,
 * valid `TURN_TTL`) and their renewal. coturn checks a credential's expiry only when an
 * allocation is made, so an allocation in use lives on past it; but an ICE restart or a new
 * allocation after the expiry would be refused (401). So each time credentials are issued, the
 * next ones are scheduled to go out as `iceServers` {@link renewalMarginMs} before they expire;
 * `joined` (join and resume) issues them too, which starts the schedule again.
 */
export class IceServerRenewal {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly config: Pick<ServerConfig, "rtc" | "turn">,
    private readonly participantId: string,
    private readonly send: (message: ServerMessage) => void,
  ) {}

  /** The participant's ICE servers as of now; with TURN, the next renewal is scheduled. */
  issue(nowMs: number = Date.now()): IceServer[] {
    clearTimeout(this.timer);
    this.timer = undefined;
    const { turn } = this.config;
    const relay = this.closed ? [] : turnIceServers(turn, this.participantId, nowMs);
    if (relay.length > 0) {
      // The expiry turnIceServers put in the username (whole seconds).
      const expiresAtMs = Math.floor(nowMs / 1000 + turn.ttlSeconds) * 1000;
      const renewInMs = Math.max(0, expiresAtMs - renewalMarginMs(turn.ttlSeconds) - nowMs);
      this.timer = setTimeout(() => this.send({ type: "iceServers", iceServers: this.issue() }), renewInMs);
      this.timer.unref();
    }
    return [...this.config.rtc.iceServers, ...relay];
  }

  /** Stops renewing; idempotent. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
