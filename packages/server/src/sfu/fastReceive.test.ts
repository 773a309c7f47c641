import fc from "fast-check";
import { RTCRtpCodecParameters, RTCRtpReceiver, RtpHeader, RtpPacket, useNACK, usePLI, useREMB, useTWCC } from "werift";
import { describe, expect, it } from "vitest";
import {
  addToStatistics,
  handleTwcc,
  installFastReceive,
  TWCC_FEEDBACK_INTERVAL_MS,
  TWCC_MAX_PENDING,
  type ReceiverTwcc,
  type StreamStatistics,
} from "./fastReceive.js";

type Getter = (this: unknown) => unknown;
const weriftGetter = (proto: object, name: string): Getter => Object.getOwnPropertyDescriptor(proto, name)!.get! as Getter;
// werift's own getters, taken before the patch replaces them.
const weriftName = weriftGetter(RTCRtpCodecParameters.prototype, "name");
const weriftReceiver = {
  nackEnabled: weriftGetter(RTCRtpReceiver.prototype, "nackEnabled"),
  twccEnabled: weriftGetter(RTCRtpReceiver.prototype, "twccEnabled"),
  pliEnabled: weriftGetter(RTCRtpReceiver.prototype, "pliEnabled"),
};
type HandleRtp = (this: unknown, packet: RtpPacket, extensions: unknown, track: unknown) => void;
const weriftHandleRtp = (RTCRtpReceiver.prototype as unknown as { handleRTP: HandleRtp }).handleRTP;
installFastReceive();

/** A receiver werift's handleRTP runs on: one VP8 codec without feedback, no track. */
function bareReceiver(): { remoteStreams: Record<number, StreamStatistics>; handleRTP: HandleRtp } {
  const receiver = Object.create(RTCRtpReceiver.prototype) as Record<string, unknown>;
  receiver.stopped = false;
  receiver.codecs = { 96: new RTCRtpCodecParameters({ mimeType: "video/VP8", clockRate: 90000, payloadType: 96, rtcpFeedback: [] }) };
  receiver.remoteStreams = {};
  receiver.runRtcp = () => undefined;
  return receiver as unknown as { remoteStreams: Record<number, StreamStatistics>; handleRTP: HandleRtp };
}

const rtp = (sequenceNumber: number, timestamp: number, bytes: number) =>
  new RtpPacket(new RtpHeader({ sequenceNumber, timestamp, ssrc: 0x9abcdef0, payloadType: 96 }), Buffer.alloc(bytes));

/** werift's StreamStatistics class and its own `add`, taken from an instance its handleRTP made before any patch. */
const weriftStatistics = (() => {
  const receiver = bareReceiver();
  weriftHandleRtp.call(receiver, rtp(1, 1, 1), {}, undefined);
  const stats = receiver.remoteStreams[0x9abcdef0]!;
  const Class = stats.constructor as new (clockRate: number) => StreamStatistics;
  return { Class, add: Class.prototype.add };
})();

const codec = (mimeType: string, payloadType: number, rtcpFeedback: { type: string; parameter?: string }[]) =>
  new RTCRtpCodecParameters({ mimeType, clockRate: 90000, payloadType, rtcpFeedback });

/** A receiver-shaped object with these codecs (the getters read only `codecs`). */
function receiverWith(codecs: RTCRtpCodecParameters[]): object {
  const receiver = Object.create(RTCRtpReceiver.prototype) as { codecs: Record<number, RTCRtpCodecParameters> };
  receiver.codecs = {};
  for (const c of codecs) receiver.codecs[c.payloadType] = c;
  return receiver;
}

describe("installFastReceive", () => {
  it("gives the feedback werift's getters give, for the lowest payload type whatever the insertion order", () => {
    const cases = [
      [],
      [codec("video/VP8", 96, [useNACK(), usePLI(), useTWCC()])],
      [codec("video/rtx", 97, []), codec("video/VP8", 96, [useREMB(), useTWCC()])],
      [codec("video/VP8", 120, [useNACK()]), codec("video/H264", 102, [usePLI()]), codec("video/rtx", 121, [])],
      [codec("audio/opus", 111, [useTWCC()]), codec("audio/red", 63, [])],
    ];
    for (const codecs of cases) {
      const receiver = receiverWith(codecs) as Record<string, unknown>;
      for (const [property, werift] of Object.entries(weriftReceiver)) {
        expect(receiver[property], `${property} of ${codecs.map((c) => c.payloadType).join(",")}`).toBe(werift.call(receiver));
      }
    }
  });

  it("follows werift's own codec changes (prepareReceive, resyncCodecs)", () => {
    const receiver = new RTCRtpReceiver({} as never, "video", 1234) as unknown as Record<string, unknown> & {
      prepareReceive(params: unknown): void;
      resyncCodecs(params: unknown): void;
    };
    receiver.prepareReceive({ codecs: [codec("video/VP8", 100, [useTWCC()])], encodings: [] });
    expect(receiver.nackEnabled).toBeUndefined();
    expect(receiver.twccEnabled).toEqual(useTWCC());
    receiver.prepareReceive({ codecs: [codec("video/VP8", 96, [useNACK()])], encodings: [] });
    expect(receiver.nackEnabled).toEqual(useNACK());
    expect(receiver.nackEnabled).toBe(weriftReceiver.nackEnabled.call(receiver));
    receiver.resyncCodecs({ codecs: [codec("video/VP8", 98, [usePLI()])], encodings: [] });
    expect(receiver.nackEnabled).toEqual(usePLI());
    expect(receiver.twccEnabled).toBeUndefined();
  });

  it("names a codec as werift does, also after its MIME type changes", () => {
    const c = codec("video/VP8", 96, []);
    expect(c.name).toBe(weriftName.call(c));
    expect(c.name).toBe("VP8");
    c.mimeType = "video/rtx";
    expect(c.name).toBe("rtx");
    expect(codec("video", 1, []).name).toBe(weriftName.call(codec("video", 1, [])));
  });
});

describe("werift's receive statistics with addToStatistics", () => {
  it("keeps the same counters, cycles and jitter as werift's add for any arrival order and timing", () => {
    const step = fc.record({ seqStep: fc.integer({ min: -40_000, max: 40_000 }), tsStep: fc.integer({ min: -5000, max: 100_000 }), ms: fc.integer({ min: 0, max: 200 }), bytes: fc.integer({ min: 0, max: 1200 }) });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1_600_000_000, max: 2_000_000_000 }), (steps, start) => {
        const werift = new weriftStatistics.Class(90000);
        const ours = new weriftStatistics.Class(90000);
        let seq = 100;
        let ts = 5000;
        let now = start;
        for (const s of steps) {
          seq = (seq + s.seqStep + 65536) & 0xffff;
          ts = (ts + s.tsStep) >>> 0;
          now += s.ms / 1000;
          const packet = rtp(seq, ts, s.bytes);
          weriftStatistics.add.call(werift, packet, now);
          addToStatistics.call(ours, packet, now);
        }
        const { lastPacketReceivedTimestamp: _a, ...expected } = werift as unknown as Record<string, unknown>;
        const { lastPacketReceivedTimestamp: _b, ...actual } = ours as unknown as Record<string, unknown>;
        expect(actual).toEqual(expected);
        expect(Math.abs(ours.lastPacketReceivedTimestamp! - Date.now())).toBeLessThan(60_000);
      }),
      { numRuns: 300 },
    );
  });

  it("is what werift's statistics use once a receiver has handled its first packet", () => {
    const receiver = bareReceiver();
    const patched = (RTCRtpReceiver.prototype as unknown as { handleRTP: HandleRtp }).handleRTP;
    expect(patched).not.toBe(weriftHandleRtp);
    receiver.handleRTP(rtp(7, 7, 10), {}, undefined);
    receiver.handleRTP(rtp(8, 3007, 10), {}, undefined);
    const stats = receiver.remoteStreams[0x9abcdef0]!;
    expect(Object.getPrototypeOf(stats).add).toBe(addToStatistics);
    expect(stats.packets_received).toBe(2);
    expect(stats.max_seq).toBe(8);
    // The one-time hook is gone: werift's handleRTP runs again.
    expect((RTCRtpReceiver.prototype as unknown as { handleRTP: HandleRtp }).handleRTP).toBe(weriftHandleRtp);
  });
});

describe("transport-wide feedback with handleTwcc", () => {
  /** A ReceiverTWCC-shaped recorder: each feedback takes the pending packets, as werift's sendTWCC does. */
  function recorder(): { twcc: ReceiverTwcc; feedbacks: number[][] } {
    const feedbacks: number[][] = [];
    const twcc = {
      extensionInfo: {},
      handleTWCC: handleTwcc,
      sendTWCC(this: ReceiverTwcc) {
        feedbacks.push(Object.values(this.extensionInfo).map((e) => e.tsn));
        this.extensionInfo = {};
      },
    } as ReceiverTwcc;
    return { twcc, feedbacks };
  }

  it("reports a burst in feedbacks of at most 101 packets, each packet once, with arrival times", () => {
    const { twcc, feedbacks } = recorder();
    const started = performance.now();
    for (let tsn = 0; tsn < 250; tsn++) twcc.handleTWCC(tsn);
    // The burst took less than the interval (checked, so that the count below holds).
    if (performance.now() - started < TWCC_FEEDBACK_INTERVAL_MS) {
      // The first packet is reported at once; then each time more than TWCC_MAX_PENDING wait.
      expect(feedbacks.map((f) => f.length)).toEqual([1, TWCC_MAX_PENDING + 1, TWCC_MAX_PENDING + 1]);
    }
    expect(Math.max(...feedbacks.map((f) => f.length))).toBeLessThanOrEqual(TWCC_MAX_PENDING + 1);
    const reported = feedbacks.flat();
    const pending = Object.values(twcc.extensionInfo);
    expect([...reported, ...pending.map((e) => e.tsn)]).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(pending.every((e) => typeof e.timestamp === "bigint" && e.timestamp > BigInt(Date.now() - 60_000) * 1000n)).toBe(true);
  });

  it("is what werift's receivers use from the first one a receiver sets up", () => {
    const receiver = bareReceiver() as unknown as Record<string, unknown> & { handleRTP: HandleRtp; receiverTWCC?: ReceiverTwcc };
    receiver.codecs = { 96: new RTCRtpCodecParameters({ mimeType: "video/VP8", clockRate: 90000, payloadType: 96, rtcpFeedback: [useTWCC()] }) };
    receiver.handleRTP(rtp(1, 1, 10), {}, undefined);
    expect(receiver.receiverTWCC).toBeDefined();
    expect(Object.getPrototypeOf(receiver.receiverTWCC).handleTWCC).toBe(handleTwcc);
  });

  it("sends what is pending with the first packet after the interval, not every 11 packets", async () => {
    const { twcc, feedbacks } = recorder();
    twcc.handleTWCC(1);
    for (let tsn = 2; tsn <= 30; tsn++) twcc.handleTWCC(tsn);
    const sent = feedbacks.length;
    await new Promise((r) => setTimeout(r, TWCC_FEEDBACK_INTERVAL_MS + 10));
    twcc.handleTWCC(31);
    expect(feedbacks.length).toBe(sent + 1);
    expect(feedbacks.at(-1)).toContain(31);
    expect(feedbacks.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
  });
});
