import fc from "fast-check";
import { MediaStreamTrack, RTCRtpCodecParameters, RTCRtpReceiver, RTP_EXTENSION_URI, RtpHeader, RtpPacket, RtpRouter, useNACK, useTWCC } from "werift";
import { afterEach, describe, expect, it } from "vitest";
import { installFastReceive } from "./fastReceive.js";
import { attachRtpLane, laneGeneration, MAX_LANES } from "./rtpLane.js";

installFastReceive();

const SSRC = 0xc0ffee01; // above 2^30, as browsers' SSRCs often are
const RTX_SSRC = 0xc0ffee02;
const VP8 = 96;
const RTX = 97;
const IDS = { mid: 1, rid: 2, twcc: 3, rrid: 4, other: 5 } as const;

interface Side {
  router: RtpRouter;
  receiver: RTCRtpReceiver;
  /** What the track's listener got: sequence number, SSRC and payload type of each packet. */
  got: [number, number, number][];
  /** Transport-wide numbers handed to werift's feedback, in order. */
  tsns: (number | undefined)[];
  /** Calls of werift's handleRTP (the lane's packets do not make one). */
  handled: number;
}

const opened: RTCRtpReceiver[] = [];
afterEach(() => {
  // Stops werift's report and NACK loops.
  for (const receiver of opened.splice(0)) receiver.stop();
});

/** A VP8 receiver with RTX, NACK and transport-wide feedback, routed by SSRC, as werift sets one up. */
function side(lane: boolean, feedback = [useNACK(), useTWCC()]): Side {
  const router = new RtpRouter();
  const receiver = new RTCRtpReceiver({} as never, "video", 1234);
  opened.push(receiver);
  const internals = receiver as unknown as {
    dtlsTransport: unknown;
    handleRTP: (...args: unknown[]) => void;
    setupTWCC(ssrc: number): void;
    receiverTWCC?: { handleTWCC(tsn: number | undefined): void };
  };
  internals.dtlsTransport = { sendRtcp: async () => undefined };
  receiver.prepareReceive({
    codecs: [
      new RTCRtpCodecParameters({ mimeType: "video/VP8", clockRate: 90000, payloadType: VP8, rtcpFeedback: feedback }),
      new RTCRtpCodecParameters({ mimeType: "video/rtx", clockRate: 90000, payloadType: RTX, parameters: `apt=${VP8}` }),
    ],
    encodings: [{ ssrc: SSRC, rtx: { ssrc: RTX_SSRC } }],
    headerExtensions: [],
  } as never);
  const track = new MediaStreamTrack({ ssrc: SSRC, kind: "video", remote: true });
  receiver.addTrack(track);
  // Private in werift's typings; what registerRtpReceiverBySsrc does for each encoding.
  const register = (router as unknown as { registerRtpReceiver(r: RTCRtpReceiver, ssrc: number): void }).registerRtpReceiver.bind(router);
  register(receiver, SSRC);
  register(receiver, RTX_SSRC);
  const uris = [RTP_EXTENSION_URI.sdesMid, RTP_EXTENSION_URI.sdesRTPStreamID, RTP_EXTENSION_URI.transportWideCC, RTP_EXTENSION_URI.repairedRtpStreamId];
  uris.forEach((uri, i) => ((router.extIdUriMap as Record<number, string>)[i + 1] = uri));
  // A simulcast layer routed by its rid, as werift's registerRtpReceiverByRid sets one up.
  const layer = new MediaStreamTrack({ rid: "h", kind: "video", remote: true });
  receiver.addTrack(layer);
  (router.ridTable as Record<string, unknown>).h = receiver;
  const s: Side = { router, receiver, got: [], tsns: [], handled: 0 };
  track.onReceiveRtp.subscribe((p: RtpPacket) => s.got.push([p.header.sequenceNumber, p.header.ssrc, p.header.payloadType]));
  layer.onReceiveRtp.subscribe((p: RtpPacket) => s.got.push([p.header.sequenceNumber, p.header.ssrc, -p.header.payloadType]));
  internals.setupTWCC(SSRC);
  const twcc = internals.receiverTWCC;
  if (twcc) {
    const handle = twcc.handleTWCC.bind(twcc);
    twcc.handleTWCC = (tsn) => {
      s.tsns.push(tsn);
      handle(tsn);
    };
  }
  const handleRtp = internals.handleRTP.bind(receiver);
  internals.handleRTP = (...args: unknown[]) => {
    s.handled++;
    handleRtp(...args);
  };
  if (lane) attachRtpLane(router);
  return s;
}

interface Spec {
  seq: number;
  rtx: boolean;
  twcc: boolean;
  mid?: string;
  /** "h" is routed (the receiver's simulcast layer), "l" is not. */
  rid?: string;
  repairedRid?: boolean;
  other: boolean;
  payloadType?: number;
}

/** The packet `spec` describes, parsed anew for each side (as each datagram is). */
function packet(spec: Spec, tsn: number): RtpPacket {
  const extensions: { id: number; payload: Buffer }[] = [];
  if (spec.twcc) extensions.push({ id: IDS.twcc, payload: Buffer.from([tsn >> 8, tsn & 0xff]) });
  if (spec.mid !== undefined) extensions.push({ id: IDS.mid, payload: Buffer.from(spec.mid) });
  if (spec.rid !== undefined) extensions.push({ id: IDS.rid, payload: Buffer.from(spec.rid) });
  if (spec.repairedRid) extensions.push({ id: IDS.rrid, payload: Buffer.from("h") });
  if (spec.other) extensions.push({ id: IDS.other, payload: Buffer.from([7]) });
  const rtxPayload = Buffer.alloc(40, 1);
  rtxPayload.writeUInt16BE(spec.seq, 0);
  const header = new RtpHeader({
    ssrc: spec.rtx ? RTX_SSRC : SSRC,
    payloadType: spec.payloadType ?? (spec.rtx ? RTX : VP8),
    sequenceNumber: spec.seq,
    timestamp: spec.seq * 3000,
    extension: extensions.length > 0,
    extensions,
  });
  return RtpPacket.deSerialize(new RtpPacket(header, spec.rtx ? rtxPayload : Buffer.alloc(40, 2)).serialize());
}

/** What werift's state says after a run: statistics, NACK's lost set, routing records. */
function state(s: Side) {
  const rx = s.receiver as unknown as {
    remoteStreams: Record<number, { packets_received: number; max_seq?: number; base_seq?: number; cycles: number; bytesReceived: number }>;
    nack: { _lost: Record<number, number>; newEstSeqNum: number };
    sdesMid?: string;
    latestRid?: string;
    latestRepairedRid?: string;
  };
  const stats = (ssrc: number) => {
    const st = rx.remoteStreams[ssrc];
    return st && { received: st.packets_received, max: st.max_seq, base: st.base_seq, cycles: st.cycles, bytes: st.bytesReceived };
  };
  return {
    got: s.got,
    tsns: s.tsns,
    media: stats(SSRC),
    rtx: stats(RTX_SSRC),
    lost: Object.keys(rx.nack._lost).map(Number).sort((a, b) => a - b),
    estimate: rx.nack.newEstSeqNum,
    mid: rx.sdesMid,
    rid: rx.latestRid,
    repairedRid: rx.latestRepairedRid,
  };
}

const specArb: fc.Arbitrary<Spec> = fc.record({
  seq: fc.integer({ min: 0, max: 0xffff }),
  rtx: fc.boolean(),
  twcc: fc.boolean(),
  mid: fc.constantFrom(undefined, undefined, "0", "0", "1"),
  rid: fc.constantFrom(undefined, undefined, undefined, "h", "h", "l"),
  repairedRid: fc.constantFrom(false, false, false, false, true),
  other: fc.boolean(),
  payloadType: fc.option(fc.constantFrom(VP8, RTX, 100), { nil: undefined }),
});

describe("attachRtpLane", () => {
  it("gives werift's state and the track's packets exactly as werift's own routing does, for any packet sequence", () => {
    fc.assert(
      fc.property(fc.array(specArb, { maxLength: 60 }), fc.integer({ min: 0, max: 60000 }), (specs, start) => {
        const plain = side(false);
        const laned = side(true);
        // Runs of in-order packets, as a stream mostly is, between the generated ones.
        const all = specs.flatMap((spec) => [spec, { ...spec, seq: (spec.seq + 1) & 0xffff, rtx: false, repairedRid: false, payloadType: undefined }]);
        all.forEach((spec, i) => {
          const seq = (spec.seq + start) & 0xffff;
          plain.router.routeRtp(packet({ ...spec, seq }, i));
          laned.router.routeRtp(packet({ ...spec, seq }, i));
        });
        expect(state(laned)).toEqual(state(plain));
        for (const r of opened.splice(0)) r.stop();
      }),
      { numRuns: 150 },
    );
  });

  it("routes a steady stream's packets past werift's handleRTP after the first", () => {
    const laned = side(true);
    // Some without the transport-wide number (werift's own senders do not always send it).
    for (let i = 0; i < 100; i++) laned.router.routeRtp(packet({ seq: 1000 + i, rtx: false, twcc: i % 3 !== 0, mid: "0", other: i % 2 === 0 }, i));
    expect(laned.got.map(([seq]) => seq)).toEqual(Array.from({ length: 100 }, (_, i) => 1000 + i));
    expect(laned.tsns).toEqual(Array.from({ length: 100 }, (_, i) => (i % 3 !== 0 ? i : undefined)));
    expect(laned.handled).toBe(1);
  });

  it("takes a stream's packets with its mid and rid, and leaves other mids, rids, repaired rids and RTX to werift", () => {
    const laned = side(true);
    const send = (seq: number, spec: Partial<Spec>) => laned.router.routeRtp(packet({ seq, rtx: false, twcc: true, other: false, ...spec }, seq));
    send(1, { mid: "0", rid: "h" }); // werift: routed by rid, learned
    send(2, { mid: "0", rid: "h" }); // lane
    send(3, { mid: "1", rid: "h" }); // another mid: werift, learned again
    send(4, { mid: "1", rid: "h" }); // lane
    send(5, { mid: "1" }); // the rid missing: werift (routed by SSRC now), learned again
    send(6, { mid: "1" }); // lane
    send(7, { mid: "1", repairedRid: true }); // werift, not learned
    send(8, { mid: "1" }); // werift, learned again
    send(9, { mid: "1" }); // lane
    // RTX, with another mid: werift (which records that mid on the receiver).
    laned.router.routeRtp(packet({ seq: 2, rtx: true, twcc: true, other: false, mid: "0" }, 10));
    expect((laned.receiver as unknown as { sdesMid?: string }).sdesMid).toBe("0");
    send(11, { mid: "1" }); // lane
    expect(laned.handled).toBe(6);
    const rx = laned.receiver as unknown as { sdesMid?: string; latestRid?: string };
    expect([rx.sdesMid, rx.latestRid]).toEqual(["1", "h"]);
    // Packets with the rid went to the layer's track (negative payload type), the others by SSRC.
    expect(laned.got.map(([seq, , pt]) => [seq, pt])).toEqual([
      [1, -VP8],
      [2, -VP8],
      [3, -VP8],
      [4, -VP8],
      [5, VP8],
      [6, VP8],
      [7, VP8],
      [8, VP8],
      [9, VP8],
      [2, VP8],
      [11, VP8],
    ]);
  });

  it("learns again after a negotiation changes the receiver's codecs, and follows the new ones", () => {
    const laned = side(true);
    for (let i = 0; i < 5; i++) laned.router.routeRtp(packet({ seq: i, rtx: false, twcc: true, other: false }, i));
    expect(laned.handled).toBe(1);
    const before = laneGeneration();
    // A renegotiation that takes NACK and transport-wide feedback away.
    const internals = laned.receiver as unknown as { resyncCodecs(params: unknown, ssrc?: number): void; receiverTWCC?: unknown; nack: { _lost: object } };
    internals.resyncCodecs(
      {
        codecs: [new RTCRtpCodecParameters({ mimeType: "video/VP8", clockRate: 90000, payloadType: VP8, rtcpFeedback: [] })],
        encodings: [{ ssrc: SSRC }],
        headerExtensions: [],
      },
      SSRC,
    );
    expect(laneGeneration()).toBeGreaterThan(before);
    expect(internals.receiverTWCC).toBeUndefined();
    const tsnsBefore = laned.tsns.length;
    // A gap: without NACK negotiated nothing is marked lost.
    laned.router.routeRtp(packet({ seq: 10, rtx: false, twcc: true, other: false }, 10));
    laned.router.routeRtp(packet({ seq: 11, rtx: false, twcc: true, other: false }, 11));
    expect(laned.handled).toBe(2);
    expect(laned.tsns.length).toBe(tsnsBefore);
    expect(Object.keys(internals.nack._lost)).toEqual([]);
    expect(laned.got.map(([seq]) => seq)).toEqual([0, 1, 2, 3, 4, 10, 11]);
  });

  it("drops a stopped receiver's packets as werift does", () => {
    const laned = side(true);
    laned.router.routeRtp(packet({ seq: 1, rtx: false, twcc: true, other: false }, 0));
    laned.receiver.stop();
    laned.router.routeRtp(packet({ seq: 2, rtx: false, twcc: true, other: false }, 1));
    expect(laned.got.map(([seq]) => seq)).toEqual([1]);
  });

  it("keeps at most MAX_LANES streams of one connection, and routes the rest through werift", () => {
    const laned = side(true);
    const table = laned.router.ssrcTable as Record<number, unknown>;
    const rx = laned.receiver as unknown as { trackBySSRC: Record<number, unknown> };
    // Streams werift routes by SSRC (as a simulcast receiver's learned SSRCs are).
    for (let i = 0; i < MAX_LANES + 10; i++) {
      table[0x1000 + i] = laned.receiver;
      rx.trackBySSRC[0x1000 + i] = rx.trackBySSRC[SSRC];
    }
    const of = (ssrc: number, seq: number) => {
      const p = packet({ seq, rtx: false, twcc: true, other: false }, seq);
      p.header.ssrc = ssrc;
      return p;
    };
    for (let round = 0; round < 2; round++) for (let i = 0; i < MAX_LANES + 10; i++) laned.router.routeRtp(of(0x1000 + i, round));
    // First round: werift for each; second: a lane for the first MAX_LANES, werift for the other 10.
    expect(laned.handled).toBe(MAX_LANES + 10 + 10);
    expect(laned.got.length).toBe(2 * (MAX_LANES + 10));
  });
});
