import { createCipheriv } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadNative } from "./index.js";

const addon = loadNative().addon;

describe.skipIf(!addon)("native AES-128-GCM under random input", () => {
  const a = addon!;

  it("agrees with createCipheriv and round-trips for random keys, IVs, headers and payloads", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ maxLength: 1500 }),
        fc.nat(64),
        (raw, iv, header, payload, offset) => {
          const key = a.gcmKey(raw);
          const out = new Uint8Array(offset + header.length + payload.length + 16);
          const n = a.seal(key, iv, header, payload, out, offset);
          const cipher = createCipheriv("aes-128-gcm", raw, iv);
          cipher.setAAD(header);
          const expected = Buffer.concat([header, cipher.update(payload), cipher.final(), cipher.getAuthTag()]);
          expect(Buffer.from(out.subarray(offset, offset + n)).equals(expected)).toBe(true);
          const opened = new Uint8Array(n - 16);
          expect(a.open(key, iv, out.subarray(offset, offset + n), header.length, opened, 0)).toBe(n - 16);
          expect(Buffer.from(opened).equals(Buffer.concat([header, payload]))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses exactly the calls whose lengths or offsets do not fit, and never writes outside out", () => {
    const key = a.gcmKey(new Uint8Array(16));
    const hostile = fc.oneof(
      fc.integer({ min: -70_000, max: 70_000 }),
      fc.constantFrom(Number.NaN, Infinity, -Infinity, 2 ** 31, 2 ** 32, 2 ** 53, -0.5, 0.5, Number.MAX_SAFE_INTEGER),
    );
    const index = (v: number, max: number) => Number.isInteger(v) && v >= 0 && v <= max;
    fc.assert(
      fc.property(
        fc.nat(100),
        fc.nat(100),
        fc.nat(200),
        hostile,
        hostile,
        fc.nat(20),
        (packetLength, payloadLength, outLength, headerLength, offset, ivLength) => {
          const packet = new Uint8Array(packetLength);
          // Guard bytes around out: a write past its end would change them.
          const backing = new Uint8Array(outLength + 32).fill(0xa5);
          const out = backing.subarray(16, 16 + outLength);
          const iv = new Uint8Array(ivLength);
          const sealFits = ivLength === 12 && index(offset, outLength) && packetLength + payloadLength + 16 <= outLength - offset;
          expect(attempt(() => a.seal(key, iv, packet, new Uint8Array(payloadLength), out, offset))).toBe(
            sealFits ? packetLength + payloadLength + 16 : "refused",
          );
          const openFits =
            ivLength === 12 && packetLength >= 16 && index(headerLength, packetLength - 16) && index(offset, outLength) && packetLength - 16 <= outLength - offset;
          // An all-zero packet never authenticates: -1 when the call fits.
          expect(attempt(() => a.open(key, iv, packet, headerLength, out, offset))).toBe(openFits ? -1 : "refused");
          expect(backing.subarray(0, 16).every((b) => b === 0xa5) && backing.subarray(16 + outLength).every((b) => b === 0xa5)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

/** The result, or "refused" when the call threw a RangeError or TypeError (anything else is rethrown). */
function attempt(f: () => number): number | "refused" {
  try {
    return f();
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) return "refused";
    throw error;
  }
}
