import { Buffer } from "node:buffer";
import { Connection, parseMessage, type Message } from "werift";
import { iceGuardStats } from "./stats.js";

/** The parts of werift's ICE agent ({@link Connection}) the guard reads. */
export interface IceAgent {
  localUsername: string;
  localPassword: string;
  /** Earlier local ufrags (before an ICE restart) and their passwords. */
  userHistory: Record<string, string | undefined>;
}

/** The parts of a werift transport protocol (UDP, TCP, TURN) the guard wraps. */
interface RequestSource {
  onRequestReceived: { execute: (message: Message, addr: readonly [string, number], data: Buffer) => void };
  iceRequestGuard?: true;
}

/** RFC 8839 §5.4: a ufrag has 4 to 256 characters. */
const MAX_UFRAG_LENGTH = 256;

let installed = false;

/**
 * Makes every werift ICE agent of this thread drop STUN requests that are not authenticated
 * with its short-term credentials, before it answers them, learns a peer-reflexive candidate
 * or starts a triggered check back (RFC 8445 §7.3, RFC 5389 §10.1.2). werift answers any
 * binding request: a random USERNAME and an unchecked MESSAGE-INTEGRITY from an address that
 * never did ICE got a success response and five checks back (400 forged requests: 356
 * responses, 1 780 checks, ~5× the bytes sent), so the SFU could be aimed at third parties.
 *
 * A request passes when it carries FINGERPRINT, its USERNAME is `<our ufrag>:<their ufrag>`
 * (ours current or from before an ICE restart; theirs 1–256 characters, not compared with
 * the one they signaled: after an ICE restart their checks can come before their answer) and
 * its MESSAGE-INTEGRITY verifies with our ICE password (which only they were given). Anything else is
 * dropped without a reply (an error reply would still reflect traffic) and counted in
 * `iceGuardStats.stunRequestsDropped`. Idempotent.
 */
export function installIceRequestGuard(): void {
  if (installed) return;
  installed = true;
  const proto = Connection.prototype as unknown as { ensureProtocol(this: IceAgent, protocol: RequestSource): void };
  const ensureProtocol = proto.ensureProtocol;
  proto.ensureProtocol = function (this: IceAgent, protocol: RequestSource) {
    if (!protocol.iceRequestGuard) {
      protocol.iceRequestGuard = true;
      const event = protocol.onRequestReceived;
      const execute = event.execute;
      event.execute = (message, addr, data) => {
        if (authenticRequest(this, message, data)) execute(message, addr, data);
        else iceGuardStats.stunRequestsDropped++;
      };
    }
    ensureProtocol.call(this, protocol);
  };
}

/**
 * Whether `data` (parsed as `message`) is a STUN request `agent` may act on: see
 * {@link installIceRequestGuard}. Cheap checks first; one HMAC-SHA1 for a request that names
 * our ufrag.
 */
export function authenticRequest(agent: IceAgent, message: Message, data: Buffer): boolean {
  if (!message.attributesKeys.includes("FINGERPRINT") || !message.attributesKeys.includes("MESSAGE-INTEGRITY")) return false;
  const ours = localUfragOf(message);
  if (ours === undefined) return false;
  const password = ours === agent.localUsername ? agent.localPassword : Object.hasOwn(agent.userHistory, ours) ? agent.userHistory[ours] : undefined;
  if (!password) return false;
  // parseMessage verifies MESSAGE-INTEGRITY with the key (and FINGERPRINT) or returns nothing.
  return parseMessage(data, Buffer.from(password, "utf8")) !== undefined;
}

/**
 * The local ufrag a STUN request names: the part of its USERNAME `<our ufrag>:<their ufrag>`
 * before the colon (RFC 8445 §7.2.2), when theirs has 1–256 characters; else undefined.
 */
export function localUfragOf(message: Message): string | undefined {
  const username: unknown = message.getAttributeValue("USERNAME");
  if (typeof username !== "string") return undefined;
  const colon = username.indexOf(":");
  if (colon < 0) return undefined;
  const theirs = username.length - colon - 1;
  if (theirs === 0 || theirs > MAX_UFRAG_LENGTH) return undefined;
  return username.slice(0, colon);
}
