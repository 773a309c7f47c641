import { RtpHeader, RtpPacket } from "werift";
import { describe, expect, it } from "vitest";
import { installFastRtpHeaderParser, parseRtpHeader, weriftRtpHeaderDeserialize } from "./fastRtpHeader.js";

/** A deterministic pseudo-random generator (the test must be repeatable). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Where the header's extension block ends by its length field (0: none, or no room to say). */
function declaredEnd(raw: Buffer): number {
  if (raw.length < 1 || (raw[0]! & 0x10) === 0) return 0;
  const at = 12 + 4 * (raw[0]! & 0x0f);
  return raw.length >= at + 4 ? at + 4 + raw.readUInt16BE(at + 2) * 4 : 0;
}

/** werift's payload offset for `raw` (0 when it throws). */
function weriftPayloadOffset(raw: Buffer): number {
  try {
    return weriftRtpHeaderDeserialize(raw).payloadOffset;
  } catch {
    return 0;
  }
}

function outcome(parse: (raw: Buffer) => RtpHeader, raw: Buffer): unknown {
  try {
    const h = parse(raw);
    return { ...h, extensions: h.extensions.map((e) => ({ id: e.id, payload: [...e.payload] })) };
  } catch (error) {
    return { threw: error instanceof Error };
  }
}

/** A packet as browsers send them: one-byte extensions (mid, rid, audio level), maybe CSRCs and padding. */
function realistic(random: () => number): Buffer {
  const extensions = [
    { id: 1, payload: Buffer.from("0") },
    { id: 3, payload: Buffer.from("h") },
    { id: 2, payload: Buffer.from([0x12, 0x34, 0x56]) },
  ].slice(0, Math.floor(random() * 4));
  const header = new RtpHeader({
    payloadType: 96,
    marker: random() < 0.5,
    sequenceNumber: Math.floor(random() * 0x10000),
    timestamp: Math.floor(random() * 2 ** 32),
    ssrc: Math.floor(random() * 2 ** 32),
    csrc: random() < 0.2 ? [7, 8] : [],
    extensions,
    padding: random() < 0.2,
    paddingSize: 4,
  });
  return new RtpPacket(header, Buffer.alloc(Math.floor(random() * 50), 0xab)).serialize();
}

describe("fast RTP header parsing", () => {
  it("gives werift's result for realistic packets, for random bytes and for every truncation of them", () => {
    const random = lcg(42);
    const samples: Buffer[] = [];
    for (let i = 0; i < 300; i++) samples.push(realistic(random));
    for (let i = 0; i < 300; i++) {
      const raw = Buffer.from(Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256)));
      // Often set the version and extension bits, so the extension paths are exercised.
      if (raw.length > 0 && random() < 0.7) raw[0] = 0x90 | (raw[0]! & 0x2f);
      const extAt = 12 + 4 * (raw[0]! & 0x0f);
      if (raw.length >= extAt + 2 && random() < 0.5) raw.writeUInt16BE(random() < 0.5 ? 0xbede : 0x1000, extAt);
      samples.push(raw);
    }
    let compared = 0;
    for (const raw of samples) {
      for (let cut = raw.length; cut >= 0; cut -= Math.max(1, Math.floor(raw.length / 7))) {
        const piece = raw.subarray(0, cut);
        // werift takes quadratic time on extensions declared past the end (next test).
        if (declaredEnd(piece) > piece.length) continue;
        // werift's payload offset is NaN when a two-byte extension's length byte is missing (test below).
        if (Number.isNaN(weriftPayloadOffset(piece))) continue;
        expect(outcome(parseRtpHeader, piece), `bytes ${piece.toString("hex")}`).toEqual(outcome(weriftRtpHeaderDeserialize, piece));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1500);
  });

  it("parses a header claiming extensions far past its end in bounded time, with a payload offset past the end (SRTP then rejects it)", () => {
    // V=2, P, X, 3 CSRCs, then a one-byte extension block declaring 0xbf1b words (196 KiB).
    const hostile = Buffer.from("b32ae3ec9a88724956f44936e524bb00d5489a0ab805be8ebedebf1bb53e72241f", "hex");
    const started = performance.now();
    const h = parseRtpHeader(hostile);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(h.payloadOffset).toBeGreaterThan(hostile.length);
    expect(h.extensions.length).toBeLessThanOrEqual(hostile.length);
  });

  it("reads a two-byte extension whose length byte is missing as empty, with a payload offset at or past the end (werift's was NaN: the whole packet became payload)", () => {
    // V=2, X; two-byte profile, one word of extensions: padding, padding, padding, id 5 — its length byte is past the end.
    const raw = Buffer.from("9000000100000001000000021000000100000005", "hex");
    expect(raw.length).toBe(20);
    expect(weriftPayloadOffset(raw)).toBeNaN();
    const h = parseRtpHeader(raw);
    expect(Number.isInteger(h.payloadOffset)).toBe(true);
    expect(h.payloadOffset).toBeGreaterThanOrEqual(raw.length);
    expect(h.extensions).toEqual([{ id: 5, payload: Buffer.alloc(0) }]);
  });

  it("once installed, werift's own packet parsing uses it and still round-trips a packet", () => {
    installFastRtpHeaderParser();
    installFastRtpHeaderParser(); // idempotent
    expect(RtpHeader.deSerialize).toBe(parseRtpHeader);
    const raw = realistic(lcg(7));
    const packet = RtpPacket.deSerialize(raw);
    expect(packet.serialize()).toEqual(raw);
  });
});
