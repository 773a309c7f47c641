/**
 * The shape of a remote description's lines that werift needs and does not check itself.
 * werift throws part-way through applying a description it cannot read — after it has made
 * transceivers and transports for the sections before — and its reasons ("invalid media
 * kind", "mid not assigned", "Cannot set properties of undefined", "") tell the client
 * nothing. Each check here stands for one way werift 0.25 fails (see sdpSyntax.test.ts and
 * failingOffers.test.ts); what passes them is what browsers send.
 */

/** Media kinds the SFU takes (RFC 8866 §5.14); werift throws on any other. */
const KINDS = new Set(["audio", "video", "application"]);
/** `m=<media> <port>[/<count>] <proto> <fmt> ...` */
const M_LINE = /^m=(\S+) (\d{1,5})(?:\/\d{1,2})? (\S+)((?: \S+)+)$/;
/** `c=IN IP4|IP6 <address>` (RFC 8866 §5.7), as werift reads it. */
const C_LINE = /^c=IN IP[46] \S+$/;
/** RFC 5888 identification-tag (a token); we also cap the length. */
const MID = /^[!#$%&'*+\-.^_`{|}~0-9A-Za-z]{1,32}$/;
/** `a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>]` (RFC 8866 §6.6). */
const RTPMAP = /^a=rtpmap:(\d{1,3}) [^\s/]+\/\d{1,6}(?:\/\d{1,2})?$/;
/** `a=rtcp:<port> IN IP4|IP6 <address>` (RFC 3605 allows the port alone; werift cannot read it, and browsers always write the address). */
const RTCP = /^a=rtcp:\d{1,5} IN IP[46] \S+$/;
/** RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/"; ufrag 4–256, pwd 22–256 of them. */
const UFRAG = /^a=ice-ufrag:[A-Za-z0-9+/]{4,256}$/;
const PWD = /^a=ice-pwd:[A-Za-z0-9+/]{22,256}$/;
/** RFC 8122 §5 hash functions werift verifies, with their digest lengths in bytes. */
const FINGERPRINT_BYTES: Record<string, number> = { "sha-1": 20, "sha-224": 28, "sha-256": 32, "sha-384": 48, "sha-512": 64 };
const FINGERPRINT = /^a=fingerprint:(\S+) ([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})*)$/;

/** What one section (or the session part, before the first m-line) declares. */
interface Part {
  kind: string;
  port: number;
  mid?: string;
  bundleOnly: boolean;
  ufrag: boolean;
  pwd: boolean;
  fingerprint: boolean;
  setup?: string;
  formats: Set<string>;
  rtpmaps: Set<number>;
  fmtps: number[];
  ridsSent: Set<string>;
  simulcastRids: string[];
}

function newPart(kind: string, port: number, formats: string[]): Part {
  return { kind, port, bundleOnly: false, ufrag: false, pwd: false, fingerprint: false, formats: new Set(formats), rtpmaps: new Set(), fmtps: [], ridsSent: new Set(), simulcastRids: [] };
}

/** Reads one line into `part`; returns a reason when the line is one werift cannot take. */
function lineProblem(line: string, part: Part, isSession: boolean): string | undefined {
  if (line.startsWith("c=")) return C_LINE.test(line) ? undefined : "a c= line is not `c=IN IP4|IP6 <address>`";
  if (!line.startsWith("a=")) return undefined;
  const colon = line.indexOf(":");
  const name = colon < 0 ? line.slice(2) : line.slice(2, colon);
  switch (name) {
    case "mid":
      if (!MID.test(line.slice(6))) return "an a=mid is empty or not a token of at most 32 characters";
      part.mid = line.slice(6);
      return undefined;
    case "bundle-only":
      part.bundleOnly = true;
      return undefined;
    case "ice-ufrag":
      part.ufrag = true;
      return UFRAG.test(line) ? undefined : "an a=ice-ufrag is not 4–256 ICE characters (RFC 8839 §5.4)";
    case "ice-pwd":
      part.pwd = true;
      return PWD.test(line) ? undefined : "an a=ice-pwd is not 22–256 ICE characters (RFC 8839 §5.4)";
    case "fingerprint": {
      part.fingerprint = true;
      const match = FINGERPRINT.exec(line);
      const bytes = match ? FINGERPRINT_BYTES[match[1]!.toLowerCase()] : undefined;
      if (!match) return "an a=fingerprint is not `<hash> <hex pairs>`";
      if (bytes === undefined) return `fingerprint hash ${match[1]!.slice(0, 16)} is not supported (sha-1, sha-224, sha-256, sha-384, sha-512)`;
      return (match[2]!.length + 1) / 3 === bytes ? undefined : `an a=fingerprint is not ${bytes} bytes long as ${match[1]} is`;
    }
    case "setup":
      part.setup = line.slice(8);
      return ["actpass", "active", "passive"].includes(part.setup) ? undefined : "a=setup is not actpass, active or passive";
    case "rtcp":
      return RTCP.test(line) ? undefined : "an a=rtcp line is not `a=rtcp:<port> IN IP4|IP6 <address>`";
    case "candidate":
    case "sctp-port":
    case "sctpmap":
      return line.length > colon + 1 && colon > 0 ? undefined : `an a=${name} line is empty`;
  }
  if (isSession) return undefined;
  switch (name) {
    case "rtpmap": {
      const match = RTPMAP.exec(line);
      if (!match) return "an a=rtpmap is not `<payload type> <encoding>/<clock rate>[/<channels>]`";
      const pt = Number(match[1]);
      if (!part.formats.has(String(pt))) return `a=rtpmap:${pt} is not a format of its m-line`;
      if (part.rtpmaps.has(pt)) return `payload type ${pt} is mapped twice in one section`;
      part.rtpmaps.add(pt);
      return undefined;
    }
    case "fmtp": {
      const pt = Number(/^a=fmtp:(\d{1,3}) /.exec(line)?.[1]);
      if (!Number.isInteger(pt)) return "an a=fmtp is not `<payload type> <parameters>`";
      part.fmtps.push(pt);
      return undefined;
    }
    case "rid": {
      const match = /^a=rid:(\S+) (send|recv)\b/.exec(line);
      if (!match) return "an a=rid is not `<id> send|recv ...`";
      if (match[2] === "send") part.ridsSent.add(match[1]!);
      return undefined;
    }
    case "simulcast": {
      const list = /^a=simulcast:send (\S+)/.exec(line)?.[1] ?? "";
      part.simulcastRids = list.split(/[;,]/).map((rid) => rid.replace(/^~/, "")).filter((rid) => rid.length > 0);
      return undefined;
    }
  }
  return undefined;
}

/** Checks a finished section; `session` holds what the session part declares for all. */
function partProblem(part: Part, session: Part, index: number, bundle: ReadonlySet<string>): string | undefined {
  const where = `m-section ${index}`;
  if (part.mid === undefined) return `${where} has no a=mid`;
  const live = part.port !== 0 || (part.bundleOnly && bundle.has(part.mid));
  if (live && !((part.ufrag || session.ufrag) && (part.pwd || session.pwd))) return `${where} has no ICE credentials (a=ice-ufrag and a=ice-pwd)`;
  if (live && !(part.fingerprint || session.fingerprint)) return `${where} has no a=fingerprint`;
  if (part.kind === "application") return undefined;
  for (const format of part.formats) {
    const pt = Number(format);
    if (!/^\d{1,3}$/.test(format) || pt > 127) return `${where} lists payload type ${format.slice(0, 8)}, not 0–127`;
  }
  for (const pt of part.fmtps) if (!part.rtpmaps.has(pt)) return `${where} has a=fmtp:${pt} without its a=rtpmap`;
  for (const rid of part.simulcastRids) if (!part.ridsSent.has(rid)) return `${where} sends simulcast rid ${rid.slice(0, 16)} without an a=rid:${rid.slice(0, 16)} send line (RFC 8853 §5.1)`;
  return undefined;
}

/**
 * Checks the lines werift needs well formed, for a remote description of `type`. Returns a
 * reason, or undefined when werift can read it:
 * - every m-section is audio, video or application, has an a=mid, and (when live) ICE
 *   credentials (RFC 8839 §5.4 lengths) and a DTLS fingerprint with a hash werift verifies;
 * - c=, a=rtcp, a=rtpmap lines parse; each payload type is mapped once and is on its m-line;
 *   a=fmtp only for mapped payload types; a=candidate, a=sctp-port, a=sctpmap not empty;
 * - each rid a=simulcast sends is declared by an a=rid line (RFC 8853 §5.1);
 * - a=setup is actpass in a first offer (RFC 8842 §5.2), actpass or a role in a re-offer
 *   (werift's own re-offers keep their role; see {@link setupConflict}), and active or
 *   passive in an answer (§5.3: an answer with actpass leaves both sides waiting for the other);
 * - every mid of a=group:BUNDLE names a section.
 */
export function sdpSyntaxProblem(sdp: string, type: "offer" | "re-offer" | "answer"): string | undefined {
  const session = newPart("session", 0, []);
  const parts: Part[] = [];
  const bundle = new Set<string>();
  let current = session;
  for (const raw of sdp.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.startsWith("m=")) {
      const match = M_LINE.exec(line);
      if (!match) return `m-section ${parts.length} has an m-line that is not \`m=<media> <port> <proto> <formats>\``;
      if (!KINDS.has(match[1]!)) return `m-section ${parts.length} is of media ${match[1]!.slice(0, 16)} (only audio, video and application are taken)`;
      current = newPart(match[1]!, Number(match[2]), match[4]!.trim().split(" "));
      parts.push(current);
      continue;
    }
    if (current === session && line.startsWith("a=group:BUNDLE")) for (const mid of line.slice(14).trim().split(/\s+/)) if (mid) bundle.add(mid);
    const problem = lineProblem(line, current, current === session);
    if (problem) return current === session ? problem : `m-section ${parts.length - 1}: ${problem}`;
  }
  const mids = new Set(parts.map((p) => p.mid));
  for (const mid of bundle) if (!mids.has(mid)) return `a=group:BUNDLE names mid ${mid.slice(0, 32)}, which no m-section has`;
  for (const [i, part] of parts.entries()) {
    const problem = partProblem(part, session, i, bundle);
    if (problem) return problem;
    const setup = part.setup ?? session.setup;
    if (type === "offer" && setup !== undefined && setup !== "actpass") return `m-section ${i}: a first offer's a=setup must be actpass (RFC 8842 §5.2)`;
    if (type === "answer" && setup === "actpass") return `m-section ${i}: an answer's a=setup must be active or passive (RFC 8842 §5.3)`;
  }
  return undefined;
}

/** One m-section's place in a negotiation: its mid and media kind. */
export interface SectionSlot {
  mid: string;
  kind: string;
}

/**
 * Checks that `next` keeps the sections of `previous` at their places (JSEP, RFC 8829 §5.2.2
 * and §5.3.1: m-sections are never removed or reordered, and each keeps its mid and kind; an
 * answer has exactly the offer's sections). werift otherwise pairs a section whose mid changed
 * with a new transceiver (one more per offer, without bound) or fails part-way.
 * `exact`: also the same number of sections (an answer to `previous`).
 */
export function sectionSlotsProblem(previous: readonly SectionSlot[], next: readonly SectionSlot[], exact: boolean): string | undefined {
  if (next.length < previous.length) return `it has ${next.length} m-sections, fewer than the ${previous.length} negotiated before (sections are never removed)`;
  if (exact && next.length !== previous.length) return `it has ${next.length} m-sections for the ${previous.length} offered`;
  for (const [i, slot] of previous.entries()) {
    const got = next[i]!;
    if (got.mid !== slot.mid) return `m-section ${i} has mid ${got.mid.slice(0, 32)}, not ${slot.mid.slice(0, 32)} as negotiated`;
    if (got.kind !== slot.kind) return `m-section ${i} (mid ${slot.mid.slice(0, 32)}) is ${got.kind.slice(0, 16)}, not ${slot.kind}`;
  }
  return undefined;
}

/**
 * Whether a re-offer asks for the DTLS role the SFU already has (RFC 8842 §5.5: a re-offer
 * keeps the roles of the association it does not restart): both ends would act as client, or
 * both wait as server, and the connection never comes up. `localSdp` is the SFU's last answer.
 */
export function setupConflict(offer: string, localSdp: string | undefined): string | undefined {
  const theirs = /^a=setup:(active|passive)\r?$/m.exec(offer)?.[1];
  const ours = localSdp === undefined ? undefined : /^a=setup:(active|passive)\r?$/m.exec(localSdp)?.[1];
  if (theirs === undefined || theirs !== ours) return undefined;
  return `a=setup:${theirs} asks for the DTLS role the SFU has (${ours}); a re-offer keeps the roles (RFC 8842 §5.5)`;
}
