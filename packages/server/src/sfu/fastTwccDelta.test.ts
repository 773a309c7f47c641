import fc from "fast-check";
import { RecvDelta, TransportWideCC } from "werift";
import { describe, expect, it } from "vitest";
import { deSerializeDelta, installFastTwccDelta } from "./fastTwccDelta.js";

// werift's own method, taken before the patch replaces it.
const weriftDeSerialize = RecvDelta.prototype.deSerialize;
installFastTwccDelta();

/** The delta werift's method leaves, or the error it throws. */
function outcome(method: (this: RecvDelta, data: Buffer) => void, data: Buffer, type: number): unknown {
  const delta = new RecvDelta({ type });
  try {
    method.call(delta, data);
    return { ...delta };
  } catch (error) {
    return { threw: (error as Error).constructor.name, message: (error as Error).message };
  }
}

describe("installFastTwccDelta", () => {
  it("reads a delta as werift does, for every length, sign and value", () => {
    expect(RecvDelta.prototype.deSerialize).toBe(deSerializeDelta);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3 }), fc.constantFrom(1, 2), (bytes, type) => {
        const data = Buffer.from(bytes);
        expect(outcome(deSerializeDelta, data, type)).toEqual(outcome(weriftDeSerialize, data, type));
      }),
      { numRuns: 2000 },
    );
    expect(outcome(deSerializeDelta, Buffer.from([0x80, 0]), 2)).toMatchObject({ delta: -32768 * 250 });
  });

  it("leaves werift's transport-wide feedback parsing as it was, small, large and negative deltas included", () => {
    // Sender and media SSRC, base 65530, 4 statuses, reference time, count; one status vector
    // chunk of 2-bit symbols (small, large, large, small); deltas 3, 300, -5 (× 250 µs), 0.
    const wire = Buffer.from("00000001" + "00000002" + "fffa" + "0004" + "000064" + "07" + "da40" + "03" + "012c" + "fffb" + "00" + "0000", "hex");
    const parsed = TransportWideCC.deSerialize(wire, undefined as never);
    expect(parsed.recvDeltas.map((d) => [d.type, d.delta])).toEqual([
      [1, 750],
      [2, 75000],
      [2, -1250],
      [1, 0],
    ]);
  });
});
