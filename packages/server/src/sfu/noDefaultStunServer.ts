import { Connection } from "werift";

/** The parts of werift's ICE agent ({@link Connection}) this patch touches. */
interface IceAgentServers {
  options: { stunServer?: unknown };
  stunServer?: unknown;
  applyStunTurnServersFromOptions(): void;
}

let installed = false;

/**
 * werift's ICE agent falls back to `stun.l.google.com:19302` when it is given no STUN server
 * (`iceServers: []` included) and asks it for a server-reflexive candidate at every gathering:
 * every SFU connection made a DNS query and sent a Binding request to Google. An SFU has its
 * announced addresses (`RTC_ANNOUNCED_IPS`, or `RTC_STUN_DISCOVERY` once at start) and needs no
 * STUN server per connection, and a server must not talk to third parties it was not told
 * about. After this, a connection without a configured STUN server gathers no server-reflexive
 * candidate. Idempotent.
 */
export function installNoDefaultStunServer(): void {
  if (installed) return;
  installed = true;
  const proto = Connection.prototype as unknown as IceAgentServers;
  const original = proto.applyStunTurnServersFromOptions;
  proto.applyStunTurnServersFromOptions = function (this: IceAgentServers) {
    original.call(this);
    if (this.options.stunServer === undefined) this.stunServer = undefined;
  };
}
