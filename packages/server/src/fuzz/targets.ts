import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { RtcpPayloadSpecificFeedback, RtcpRrPacket, RtcpSourceDescriptionPacket, RtcpSrPacket, RtcpTransportLayerFeedback, RtpPacket, TransportWideCC, GenericNack, type RtcpPacket } from "werift";
import { ErrorCode, decodeClientMessage, decodeServerMessage, encodeMessage, type DecodeResult } from "@confab/protocol";
import { forWerift, mediaSections, negotiableCodecsOnly, sdpProblem } from "../sfu/sdp.js";
import { sdpSyntaxProblem } from "../sfu/sdpSyntax.js";

/** The encodings a publisher connection negotiates (SfuPeer shows werift only those). */
const SFU_ENCODINGS: ReadonlySet<string> = new Set(["vp8", "opus"]);
import { PUBLISHER_OFFER_LIMITS, sdpLimitProblem } from "../sfu/sdpLimits.js";
import { installFastRtpHeaderParser, parseRtpHeader } from "../sfu/fastRtpHeader.js";
import { parseRtcpBounded } from "../sfu/rtcpBounds.js";
import { TransportCc } from "../sfu/TransportCc.js";
import { getPictureId, isVp8KeyframeStart, readVp8Fields, vp8KeyframeSize, type Vp8Fields } from "../sfu/vp8.js";
import { fuzzTarget, type FuzzTarget } from "./FuzzTarget.js";
import { mutatedBytes, mutatedFrame, mutatedText } from "./mutations.js";
import { CLIENT_MESSAGES, SDP_FIXTURES, SERVER_MESSAGES, rtcpSeeds, rtpSeeds, twccSeeds, vp8Seeds } from "./seeds.js";

/** Longest reason a decode error may carry back to the sender (it must not echo a huge input). */
export const MAX_ERROR_TEXT = 512;

const ERROR_CODES = new Set<string>(Object.values(ErrorCode));

/** A frame: random text, random JSON, or a valid message mutated. */
function frames(seeds: readonly unknown[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
    { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) },
    { weight: 6, arbitrary: mutatedFrame(seeds) },
  );
}

/** Properties of a decoded frame: a typed error with a bounded reason, or a message that survives a round trip. */
function checkDecoded<T>(result: DecodeResult<T>, decode: (frame: string) => DecodeResult<T>): void {
  if (!result.ok) {
    assert.ok(ERROR_CODES.has(result.code), `unknown error code ${result.code}`);
    assert.ok(result.message.length <= MAX_ERROR_TEXT, `error message of ${result.message.length} characters`);
    assert.ok((result.path?.length ?? 0) <= MAX_ERROR_TEXT, `error path of ${result.path?.length} characters`);
    assert.ok((result.type?.length ?? 0) <= 64, "error type longer than 64");
    return;
  }
  const again = decode(encodeMessage(result.message as { type: string }));
  assert.ok(again.ok, "a decoded message does not decode again");
  assert.ok(isDeepStrictEqual(again.message, result.message), "a decoded message changes when decoded again");
}

const clientCodec = fuzzTarget({
  name: "protocol-client",
  parses: "decodeClientMessage (every client frame, server side)",
  arbitrary: frames(CLIENT_MESSAGES),
  check(frame: string) {
    checkDecoded(decodeClientMessage(frame), decodeClientMessage);
  },
});

const serverCodec = fuzzTarget({
  name: "protocol-server",
  parses: "decodeServerMessage (every server frame, SDK side)",
  arbitrary: frames(SERVER_MESSAGES),
  check(frame: string) {
    checkDecoded(decodeServerMessage(frame), decodeServerMessage);
  },
});

/** Offers: the captured ones mutated (most), or random text. */
const offers = fc.oneof({ weight: 8, arbitrary: mutatedText(SDP_FIXTURES) }, { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 2_000 }) });

const countLines = (sdp: string, prefix: string) => sdp.split(/\r?\n/).filter((l) => l.startsWith(prefix)).length;

const sdpLimits = fuzzTarget({
  name: "sdp-limits",
  parses: "sdpLimitProblem (a publisher offer's bounds, before anything else reads it)",
  arbitrary: offers,
  check(sdp: string) {
    const problem = sdpLimitProblem(sdp, PUBLISHER_OFFER_LIMITS);
    assert.ok(problem === undefined || (typeof problem === "string" && problem.length <= MAX_ERROR_TEXT));
    if (problem !== undefined) return;
    assert.ok(sdp.length <= PUBLISHER_OFFER_LIMITS.maxBytes, "an offer over the size bound passed");
    assert.ok(countLines(sdp, "m=") <= PUBLISHER_OFFER_LIMITS.maxSections, "an offer over the section bound passed");
    assert.ok(countLines(sdp, "a=group:BUNDLE") <= 1, "two BUNDLE groups passed");
  },
});

const sdpMunging = fuzzTarget({
  name: "sdp-munging",
  parses: "sdpProblem, sdpSyntaxProblem, mediaSections, forWerift and negotiableCodecsOnly (on offers within the bounds, as the SFU calls them)",
  arbitrary: offers,
  check(sdp: string) {
    // The SFU reads an offer only after its bounds are checked; unbounded input must not throw either.
    const bounded = sdpLimitProblem(sdp, PUBLISHER_OFFER_LIMITS) === undefined;
    const problem = sdpProblem(sdp);
    assert.ok(problem === undefined || typeof problem === "string");
    const sections = mediaSections(sdp);
    assert.ok(sections.length <= countLines(sdp, "m="), "more sections than m-lines");
    for (const s of sections) assert.ok(s.sendRids.length + s.ssrcs.length <= sdp.length, "more rids or SSRCs than characters");
    if (!bounded) return;
    const munged = forWerift(sdp);
    assert.ok(munged.length <= sdp.length, `forWerift grew the offer from ${sdp.length} to ${munged.length}`);
    assert.equal(forWerift(munged), munged, "forWerift is not idempotent");
    const syntax = sdpSyntaxProblem(munged, "offer");
    assert.ok(syntax === undefined || typeof syntax === "string");
    const trimmed = negotiableCodecsOnly(munged, SFU_ENCODINGS);
    assert.ok(trimmed.length <= munged.length, `negotiableCodecsOnly grew the offer from ${munged.length} to ${trimmed.length}`);
    assert.equal(negotiableCodecsOnly(trimmed, SFU_ENCODINGS), trimmed, "negotiableCodecsOnly is not idempotent");
    // What it leaves is as readable as what it was given.
    assert.ok(syntax !== undefined || sdpSyntaxProblem(trimmed, "offer") === undefined, "negotiableCodecsOnly made a readable offer unreadable");
  },
});

const rtpHeader = fuzzTarget({
  name: "rtp-header",
  parses: "parseRtpHeader and werift's RtpPacket.deSerialize over it (every RTP packet the SFU receives)",
  arbitrary: mutatedBytes(rtpSeeds()),
  check(raw: Buffer) {
    installFastRtpHeaderParser();
    let header;
    try {
      header = parseRtpHeader(raw);
    } catch (error) {
      assert.ok(error instanceof RangeError, `threw ${String(error)}`);
      return;
    }
    assert.ok(Number.isInteger(header.payloadOffset) && header.payloadOffset >= 12, `payload offset ${header.payloadOffset}`);
    assert.ok(header.extensions.length <= raw.length, "more extensions than bytes");
    // Extension payloads are views of the packet (an unknown profile's block is one payload).
    for (const e of header.extensions) assert.ok(e.payload.buffer === raw.buffer && e.payload.length <= raw.length, "an extension outside the packet");
    const packet = RtpPacket.deSerialize(raw);
    assert.ok(packet.payload.length <= raw.length, "payload longer than the packet");
  },
});

/** Objects a parsed RTCP packet holds (reports, lost packets, chunks, deltas, items…). */
function rtcpObjects(packet: RtcpPacket): number {
  if (packet instanceof RtcpRrPacket || packet instanceof RtcpSrPacket) return 1 + packet.reports.length;
  if (packet instanceof RtcpSourceDescriptionPacket) return 1 + packet.chunks.reduce((n, c) => n + 1 + c.items.length, 0);
  if (packet instanceof RtcpTransportLayerFeedback) {
    const f = packet.feedback;
    if (f instanceof GenericNack) return 1 + f.lost.length;
    if (f instanceof TransportWideCC) return 1 + f.packetChunks.length + f.recvDeltas.length;
    return 1;
  }
  if (packet instanceof RtcpPayloadSpecificFeedback) {
    const f = packet.feedback as { ssrcFeedbacks?: unknown[]; fir?: unknown[] } | undefined;
    return 1 + (f?.ssrcFeedbacks?.length ?? 0) + (f?.fir?.length ?? 0);
  }
  return 1;
}

/** Parses like werift's transport does (with our bound); undefined when the packet is dropped. */
function parseRtcp(raw: Buffer): RtcpPacket[] | undefined {
  try {
    return parseRtcpBounded(raw);
  } catch (error) {
    assert.ok(error instanceof RangeError, `threw ${String(error)}`);
    return undefined;
  }
}

const rtcp = fuzzTarget({
  name: "rtcp",
  parses: "parseRtcpBounded → werift's RR, SR, SDES, NACK, PLI, FIR, REMB and transport-wide feedback parsers",
  arbitrary: mutatedBytes(rtcpSeeds()),
  check(raw: Buffer) {
    const packets = parseRtcp(raw);
    if (!packets) return;
    assert.ok(packets.length <= raw.length / 4, "more packets than headers");
    // A NACK word names at most 17 packets; nothing else yields more than one object per byte.
    const objects = packets.reduce((n, p) => n + rtcpObjects(p), 0);
    assert.ok(objects <= 5 * raw.length + 1, `${objects} objects from ${raw.length} bytes`);
    for (const p of packets) {
      // werift's sender reads transport-wide feedback through packetResults (its own estimator).
      if (p instanceof RtcpTransportLayerFeedback && p.feedback instanceof TransportWideCC) {
        const results = p.feedback.packetResults.length;
        assert.ok(results <= p.feedback.packetStatusCount + raw.length, `${results} packet results from ${raw.length} bytes`);
      }
    }
  },
});

const twccFeedback = fuzzTarget({
  name: "twcc-feedback",
  parses: "TransportCc.onFeedback (a subscriber's transport-wide feedback read back into arrivals)",
  arbitrary: fc.tuple(mutatedBytes(twccSeeds(), 200), fc.nat(20_000), fc.nat(0xffff)),
  check([raw, sent, base]: [Buffer, number, number]) {
    const packets = parseRtcp(raw);
    if (!packets) return;
    const cc = new TransportCc();
    for (let i = 0; i < sent; i++) cc.stamp(i);
    for (const p of packets) {
      if (!(p instanceof RtcpTransportLayerFeedback && p.feedback instanceof TransportWideCC)) continue;
      p.feedback.baseSequenceNumber = (p.feedback.baseSequenceNumber + base) & 0xffff;
      let reported = 0;
      let last = -Infinity;
      cc.onFeedback(p.feedback, (r) => {
        reported++;
        assert.ok(r.seq > last, "results out of order");
        last = r.seq;
        assert.ok(r.seq <= cc.lastStamped, "a result for a packet never sent");
      });
      assert.ok(reported <= Math.min(sent, p.feedback.packetStatusCount), `${reported} results`);
    }
  },
});

const vp8 = fuzzTarget({
  name: "vp8-descriptor",
  parses: "isVp8KeyframeStart, readVp8Fields, getPictureId, vp8KeyframeSize (RFC 7741 payload descriptor)",
  arbitrary: mutatedBytes(vp8Seeds(), 64),
  check(payload: Buffer) {
    assert.equal(typeof isVp8KeyframeStart(payload), "boolean");
    const fields: Vp8Fields = { pictureIdOffset: -1, pictureIdBits: 0, tl0Offset: -1 };
    if (readVp8Fields(payload, fields)) {
      if (fields.pictureIdOffset >= 0) {
        assert.ok(fields.pictureIdOffset + (fields.pictureIdBits === 15 ? 2 : 1) <= payload.length, "PictureID past the end");
        const id = getPictureId(payload, fields);
        assert.ok(Number.isInteger(id) && id >= 0 && id < 1 << fields.pictureIdBits, `PictureID ${id}`);
      }
      assert.ok(fields.tl0Offset < payload.length, "TL0PICIDX past the end");
    }
    const size = vp8KeyframeSize(payload);
    if (size) assert.ok(size.width > 0 && size.width < 16_384 && size.height > 0 && size.height < 16_384, "frame size out of range");
  },
});

/** Every parser the fuzz suite covers, in report order. */
export const FUZZ_TARGETS: readonly FuzzTarget[] = [clientCodec, serverCodec, sdpLimits, sdpMunging, rtpHeader, rtcp, twccFeedback, vp8];
