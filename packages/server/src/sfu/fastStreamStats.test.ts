import fc from "fast-check";
import { RTCRtpCodecParameters, RTCRtpReceiver, RtpHeader, RtpPacket } from "werift";
import { describe, expect, it } from "vitest";
import { addPacket, patchStreamStats, weriftInt, type StreamStats } from "./fastStreamStats.js";

/** werift's StreamStatistics class (not exported), from the instance its handleRTP makes. */
function weriftStatsClass(): new (clockRate: number) => Stats {
  const receiver = new RTCRtpReceiver({} as never, "audio", 1) as unknown as {
    codecs: Record<number, RTCRtpCodecParameters>;
    handleRTP(packet: RtpPacket, extensions: object, track: undefined): void;
    remoteStreams: Record<number, Stats>;
    stop(): void;
  };
  receiver.codecs[0] = new RTCRtpCodecParameters({ mimeType: "audio/PCMU", clockRate: 8000, payloadType: 0 });
  receiver.handleRTP(new RtpPacket(new RtpHeader({ ssrc: 9 }), Buffer.alloc(1)), {}, undefined);
  receiver.stop();
  return receiver.remoteStreams[9]!.constructor as new (clockRate: number) => Stats;
}
/** werift's statistics with the getters a report reads. */
type Stats = StreamStats & { packets_lost: number; packets_expected: number; jitter: number; fraction_lost: number };
const Stats = weriftStatsClass();
// werift's own add, taken before any patch.
const weriftAdd = Stats.prototype.add;

/** Everything a report or getStats reads of the statistics (the wall-clock timestamp aside). */
function snapshot(s: Stats) {
  const { lastPacketReceivedTimestamp, ...fields } = s;
  expect(typeof lastPacketReceivedTimestamp).toBe("number");
  return { ...fields, lost: s.packets_lost, expected: s.packets_expected, jitter: s.jitter, fraction: s.fraction_lost };
}

const packet = (seq: number, timestamp: number, payload: number, extensions = 0) =>
  new RtpPacket(
    new RtpHeader({
      sequenceNumber: seq & 0xffff,
      timestamp: timestamp >>> 0,
      ssrc: 1,
      extensions: Array.from({ length: extensions }, (_, i) => ({ id: i + 1, payload: Buffer.alloc(i + 1) })),
    }),
    Buffer.alloc(payload),
  );

describe("weriftInt", () => {
  it("is Number.parseInt(n, 10) for every number, edge cases included", () => {
    const edges = [0, -0, 1e-7, -1e-7, 1e-6, -1e-6, 0.5, -0.5, 0.999999, 1, -1.5, 2 ** 53 - 0.5, 2 ** 53 + 2, 1e20 + 12345, 1e21, -1e21, 1.7e14 + 0.75];
    for (const n of [...edges, NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE]) {
      expect(Object.is(weriftInt(n), Number.parseInt(n as unknown as string, 10)), String(n)).toBe(true);
    }
    fc.assert(
      fc.property(fc.double(), (n) => Object.is(weriftInt(n), Number.parseInt(n as unknown as string, 10))),
      { numRuns: 20000 },
    );
  });
});

describe("addPacket", () => {
  it("keeps the statistics werift keeps over loss, reordering, duplicates and sequence and timestamp wrap", () => {
    const steps: [seq: number, ts: number, now: number][] = [];
    let seq = 65530;
    let ts = 0xffffff00;
    let now = 1_733_000_000.001;
    for (let i = 0; i < 40; i++) {
      seq += i % 7 === 3 ? 3 : 1; // loss
      ts += i % 3 === 0 ? 3000 : 0;
      now += 0.0101;
      steps.push([seq, ts, now]);
      if (i % 9 === 4) steps.push([seq - 2, ts - 3000, now]); // late packet
      if (i % 11 === 5) steps.push([seq, ts, now]); // duplicate
    }
    const werift = new Stats(90000);
    const fast = new Stats(90000);
    for (const [s, t, n] of steps) {
      weriftAdd.call(werift, packet(s, t, 1000, 2), n);
      addPacket.call(fast, packet(s, t, 1000, 2), n);
      expect(snapshot(fast)).toEqual(snapshot(werift));
    }
    expect(werift.cycles).toBe(1 << 16);
    expect(werift.packets_lost).toBeGreaterThan(0);
  });

  it("keeps werift's statistics for any packet sequence", () => {
    const step = fc.tuple(fc.integer({ min: -40, max: 40000 }), fc.integer({ min: -5000, max: 90000 }), fc.double({ min: 0, max: 0.5, noNaN: true }), fc.nat(1500));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), fc.array(step, { minLength: 1, maxLength: 60 }), (start, deltas) => {
        const werift = new Stats(48000);
        const fast = new Stats(48000);
        let seq = start;
        let ts = 0;
        let now = 1_700_000_000;
        for (const [ds, dt, dn, size] of deltas) {
          seq += ds;
          ts += dt;
          now += dn;
          weriftAdd.call(werift, packet(seq, ts, size), now);
          addPacket.call(fast, packet(seq, ts, size), now);
        }
        expect(snapshot(fast)).toEqual(snapshot(werift));
      }),
      { numRuns: 500 },
    );
  });
});

describe("patchStreamStats", () => {
  it("replaces add on werift's statistics only, and only when it is the known version", () => {
    const other = Object.create({ add: () => undefined }) as object;
    expect(patchStreamStats(other)).toBe(false);
    expect((other as StreamStats).add).not.toBe(addPacket);
    expect(patchStreamStats(new Stats(90000))).toBe(true);
    expect(new Stats(90000).add).toBe(addPacket);
    expect(patchStreamStats(new Stats(90000))).toBe(true);
  });
});
