import fc from "fast-check";
import { RTCRtpReceiver, RTP_EXTENSION_URI, RtpRouter, rtpHeaderExtensionsParser, type RtpPacket } from "werift";
import { describe, expect, it } from "vitest";
import { fastenRouter, installFastRouting, parseExtensions } from "./fastRouting.js";

const URIS: Record<number, string> = {
  1: RTP_EXTENSION_URI.sdesMid,
  2: RTP_EXTENSION_URI.absSendTime,
  3: RTP_EXTENSION_URI.sdesRTPStreamID,
  4: RTP_EXTENSION_URI.repairedRtpStreamId,
  5: RTP_EXTENSION_URI.transportWideCC,
  6: RTP_EXTENSION_URI.audioLevelIndication,
  7: RTP_EXTENSION_URI.videoOrientation,
  8: "urn:example:other",
};

/** werift's result or the error it throws, to compare both ways of parsing. */
function outcome(parse: () => unknown): unknown {
  try {
    return { value: parse() };
  } catch (error) {
    return { threw: (error as Error).constructor.name, message: (error as Error).message };
  }
}

const extension = fc.record({
  id: fc.integer({ min: 0, max: 15 }),
  payload: fc.oneof(
    fc.uint8Array({ maxLength: 4 }),
    fc.constantFrom(...["0", "1", "h", "q", "f", "é", "mid-long"].map((s) => new TextEncoder().encode(s))),
  ),
});

describe("parseExtensions", () => {
  it("makes the record werift's parser makes, or throws what it throws, for any extension list", () => {
    fc.assert(
      fc.property(fc.array(extension, { maxLength: 6 }), (list) => {
        const extensions = list.map(({ id, payload }) => ({ id, payload: Buffer.from(payload) }));
        const fast = outcome(() => parseExtensions(extensions, URIS));
        const werift = outcome(() => rtpHeaderExtensionsParser(extensions, URIS));
        expect(fast).toEqual(werift);
        // Same keys in the same order too.
        if ("value" in (werift as object)) {
          expect(Object.keys((fast as { value: object }).value)).toEqual(Object.keys((werift as { value: object }).value));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("decodes one-byte mids and rids to the strings werift decodes", () => {
    for (let b = 0; b < 256; b++) {
      const extensions = [{ id: 1, payload: Buffer.from([b]) }];
      expect(parseExtensions(extensions, URIS)).toEqual(rtpHeaderExtensionsParser(extensions, URIS));
    }
  });
});

/** A receiver that records how the router drove it. */
function recorder(name: string, log: unknown[]) {
  // werift's simulcast fallback only considers RTCRtpReceivers.
  return Object.assign(Object.create(RTCRtpReceiver.prototype) as object, {
    trackBySSRC: {} as Record<number, unknown>,
    handleRtpBySsrc: (packet: RtpPacket, extensions: object) => log.push([name, "ssrc", packet.header.ssrc, extensions]),
    handleRtpByRid: (packet: RtpPacket, rid: string, extensions: object) => log.push([name, "rid", rid, packet.header.ssrc, extensions]),
  });
}

/** A router with a receiver by SSRC (1), two by rid ("h", "l"), and a simulcast receiver knowing SSRC 7. */
function routerWith(log: unknown[]) {
  const router = new RtpRouter();
  const bySsrc = recorder("bySsrc", log);
  const high = recorder("high", log);
  const low = recorder("low", log);
  low.trackBySSRC[7] = {};
  Object.assign(router.ssrcTable, { 1: bySsrc });
  Object.assign(router.ridTable, { h: high, l: low });
  router.extIdUriMap = { ...URIS };
  return { router, receivers: { bySsrc, high, low } };
}

const packet = (ssrc: number, ext: [number, string][]): RtpPacket =>
  ({ header: { ssrc, extensions: ext.map(([id, v]) => ({ id, payload: Buffer.from(v) })) } }) as unknown as RtpPacket;

describe("fastenRouter", () => {
  it("routes by rid, by SSRC and to a simulcast receiver knowing the SSRC as werift does, and records mid and repaired rid", () => {
    const packets = [
      packet(1, [[1, "0"]]),
      packet(2, [
        [3, "h"],
        [1, "1"],
      ]),
      packet(2, [[3, "x"]]),
      packet(3, [
        [3, "l"],
        [4, "h"],
      ]),
      packet(7, [[1, "2"]]),
      packet(7, []),
      packet(9, [[1, "3"]]),
      packet(1, [[4, "q"]]),
    ];
    const run = (fast: boolean) => {
      const log: unknown[] = [];
      const { router, receivers } = routerWith(log);
      if (fast) expect(fastenRouter(router)).toBe(true);
      for (const p of packets) router.routeRtp(p);
      // The simulcast receiver was registered under SSRC 7 by werift's own path.
      const state = Object.fromEntries(
        Object.entries(receivers).map(([k, r]) => [k, { ...(r as object), handleRtpBySsrc: undefined, handleRtpByRid: undefined }]),
      );
      return { log, state, ssrcTable: Object.keys(router.ssrcTable) };
    };
    const werift = run(false);
    expect(run(true)).toEqual(werift);
    expect(werift.ssrcTable).toEqual(["1", "7"]);
    expect(werift.log.length).toBeGreaterThan(5);
  });

  it("is installed on a router when werift first registers a receiver in it, and leaves other shapes alone", () => {
    installFastRouting();
    const router = new RtpRouter();
    const before = router.routeRtp;
    (router as unknown as { registerRtpReceiver(receiver: unknown, ssrc: number): void }).registerRtpReceiver(recorder("r", []), 1);
    expect(router.routeRtp).not.toBe(before);
    expect(fastenRouter(router)).toBe(false);
    expect(fastenRouter({ routeRtp: () => undefined })).toBe(false);
  });
});
