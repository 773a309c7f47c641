import { BlockList, isIP } from "node:net";
import { ErrorCode } from "@confab/protocol";
import { UserError } from "../errors.js";
import { iceGuardStats } from "./stats.js";

/**
 * Most remote ICE candidates one connection takes over its life (distinct transport, address
 * and port). A browser offers a host candidate per interface and transport, one or two
 * server-reflexive and a relay per TURN transport: about 10 on a busy laptop. Each candidate
 * costs the SFU up to five STUN packets toward that address (a check and its retransmissions):
 * an offer listing 100 made it send 1 000, to addresses of the client's choosing.
 */
export const MAX_REMOTE_CANDIDATES = 30;

/** What a connection accepts as remote candidates. */
export interface RemoteCandidatePolicy {
  /** Whether loopback addresses (127/8, ::1) may be candidates (see `loopbackCandidatesAllowed`). */
  allowLoopback: boolean;
  /** Most distinct candidates over the connection's life. */
  maxCandidates: number;
}

/** The parts of an RFC 8839 §5.1 candidate attribute the SFU checks. */
interface ParsedCandidate {
  transport: string;
  address: string;
  port: number;
  /** An mDNS `.local` name: taken, never given to werift. */
  mdns: boolean;
}

/** An mDNS host name as browsers make them to hide local addresses (RFC 8828: `<uuid>.local`). */
const MDNS_NAME = /^[0-9a-z][0-9a-z-]{0,62}\.local$/i;
const CANDIDATE_TYPES = new Set(["host", "srflx", "relay"]);

/**
 * Why a candidate attribute (`candidate:...`, with or without `a=`) is refused, or its parts.
 * RFC 8839 §5.1: `candidate:<foundation> <component> <transport> <priority> <address> <port>
 * typ <type> ...`.
 */
export function parseCandidate(line: string, allowLoopback: boolean): ParsedCandidate | string {
  const parts = line.replace(/^a=/, "").replace(/^candidate:/, "").trim().split(/\s+/);
  if (parts.length < 8 || parts[6] !== "typ") return "not an RFC 8839 candidate";
  const [, component, rawTransport, priority, address = "", rawPort, , type = ""] = parts;
  if (!/^\d{1,3}$/.test(component ?? "") || Number(component) < 1 || Number(component) > 256) return "bad component id";
  const transport = (rawTransport ?? "").toLowerCase();
  if (transport !== "udp" && transport !== "tcp") return `unsupported transport ${transport.slice(0, 16)}`;
  if (!/^\d{1,10}$/.test(priority ?? "") || Number(priority) < 1 || Number(priority) > 2 ** 31 - 1) return "bad priority";
  const port = Number(rawPort);
  if (!/^\d{1,5}$/.test(rawPort ?? "") || port > 65535 || (port === 0 && transport === "udp")) return "bad port";
  if (!CANDIDATE_TYPES.has(type)) return `unsupported candidate type ${type.slice(0, 16)}`;
  const problem = addressProblem(address, allowLoopback);
  if (problem) return problem;
  return { transport, address: address.toLowerCase(), port, mdns: isIP(address) === 0 };
}

/** Address ranges no candidate may name, with the reason (IPv4 rules also match `::ffff:a.b.c.d`). */
const REFUSED: readonly (readonly [string, number, "ipv4" | "ipv6", string])[] = [
  ["0.0.0.0", 8, "ipv4", "unspecified address"],
  ["::", 128, "ipv6", "unspecified address"],
  ["224.0.0.0", 4, "ipv4", "multicast address"],
  ["ff00::", 8, "ipv6", "multicast address"],
  ["255.255.255.255", 32, "ipv4", "broadcast address"],
  ["240.0.0.0", 4, "ipv4", "reserved address"],
];
const LOOPBACK: readonly (readonly [string, number, "ipv4" | "ipv6"])[] = [
  ["127.0.0.0", 8, "ipv4"],
  ["::1", 128, "ipv6"],
];
const refused = REFUSED.map(([network, prefix, type, reason]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, type);
  return { list, reason };
});
const loopback = new BlockList();
for (const [network, prefix, type] of LOOPBACK) loopback.addSubnet(network, prefix, type);

/**
 * Why the SFU must not send checks to `address`, or undefined. Refused: host names other than
 * mDNS `.local` ones (werift would resolve them with DNS at the first check), unspecified,
 * multicast (link-local multicast included), broadcast and reserved IPv4, and loopback unless
 * allowed — a loopback candidate would make the SFU send to services on its own machine.
 * Private and link-local unicast addresses are allowed: clients on the server's LAN use them.
 */
export function addressProblem(address: string, allowLoopback: boolean): string | undefined {
  const family = isIP(address);
  if (family === 0) return MDNS_NAME.test(address) ? undefined : "host name candidates must be mDNS .local names";
  const type = family === 4 ? "ipv4" : "ipv6";
  for (const { list, reason } of refused) if (list.check(address, type)) return reason;
  if (!allowLoopback && loopback.check(address, type)) return "loopback address";
  return undefined;
}

/**
 * The remote candidates of one connection, checked before werift sees them (from a
 * description's `a=candidate` lines or trickled): refused addresses never reach werift, nor do
 * mDNS `.local` names, which are accepted without an error but not given (werift would look
 * each one up with the system resolver at its first check, on libuv's 4-thread pool shared
 * with password hashing; a pending lookup held the connection, and with it the whole room, in
 * the signaling fuzz. An SFU is not on the browser's link anyway: it learns the browser's
 * address as a peer-reflexive candidate from the browser's own authenticated checks), a
 * candidate it already has is not given again (werift would pair and check it once more), and
 * at most `maxCandidates` distinct ones are taken.
 */
export class RemoteCandidates {
  private readonly known = new Set<string>();

  constructor(private readonly policy: RemoteCandidatePolicy) {}

  /** Distinct candidates taken so far. */
  get count(): number {
    return this.known.size;
  }

  /**
   * `sdp` without candidate lines that are refused, repeated or already known, and `commit`
   * to call once werift took the description (until then its candidates are not known).
   * `restart`: an ICE restart, which starts the candidates afresh at `commit` (werift forgets
   * the old ones too). Throws `BAD_MESSAGE` when it would take the connection past
   * `maxCandidates`.
   */
  filterSdp(sdp: string, restart = false): { sdp: string; commit: () => void } {
    const known = restart ? new Set<string>() : this.known;
    const fresh = new Set<string>();
    const kept: string[] = [];
    for (const line of sdp.split("\n")) {
      if (!line.startsWith("a=candidate:")) {
        kept.push(line);
        continue;
      }
      const parsed = parseCandidate(line.replace(/\r$/, ""), this.policy.allowLoopback);
      if (typeof parsed === "string") {
        iceGuardStats.remoteCandidatesRefused++;
        continue;
      }
      if (parsed.mdns) {
        continue;
      }
      const key = candidateKey(parsed);
      if (known.has(key) || fresh.has(key)) continue;
      fresh.add(key);
      kept.push(line);
    }
    if (known.size + fresh.size > this.policy.maxCandidates) {
      iceGuardStats.remoteCandidatesRefused += fresh.size;
      throw new UserError(ErrorCode.BAD_MESSAGE, `description lists more than ${this.policy.maxCandidates} ICE candidates`);
    }
    return {
      sdp: kept.join("\n"),
      commit: () => {
        if (restart) this.known.clear();
        for (const key of fresh) this.known.add(key);
      },
    };
  }

  /**
   * Whether a trickled candidate is new (false: werift has it already); `remember` false
   * checks it without counting it as known (werift drops candidates that come before the
   * remote description, which then lists them again). Throws `BAD_MESSAGE` with the reason
   * when it is refused or one too many.
   */
  admit(candidate: string, remember = true): boolean {
    const parsed = parseCandidate(candidate, this.policy.allowLoopback);
    if (typeof parsed === "string") {
      iceGuardStats.remoteCandidatesRefused++;
      throw new UserError(ErrorCode.BAD_MESSAGE, `candidate refused: ${parsed}`);
    }
    if (parsed.mdns) {
      return false;
    }
    const key = candidateKey(parsed);
    if (this.known.has(key)) return false;
    if (this.known.size >= this.policy.maxCandidates) {
      iceGuardStats.remoteCandidatesRefused++;
      throw new UserError(ErrorCode.BAD_MESSAGE, `candidate refused: this connection has ${this.policy.maxCandidates} ICE candidates already`);
    }
    if (remember) this.known.add(key);
    return true;
  }
}

function candidateKey(c: ParsedCandidate): string {
  return `${c.transport} ${c.address} ${c.port}`;
}
