import {
  MediaStreamTrack,
  RTCRtpCodecParameters,
  RTCRtpReceiver,
  RTP_EXTENSION_URI,
  RtpHeader,
  RtpPacket,
  useNACK,
  usePLI,
  useTWCC,
} from "werift";
import { afterEach, describe, expect, it, vi } from "vitest";
import { installFastHandleRtp, lowerName } from "./fastHandleRtp.js";
import { installFastReceive } from "./fastReceive.js";

type Handle = (this: unknown, packet: RtpPacket, extensions: Record<string, unknown>, track: unknown) => void;
// werift's own handleRTP, taken before the patch replaces it.
const weriftHandle = (RTCRtpReceiver.prototype as unknown as { handleRTP: Handle }).handleRTP;
installFastReceive();
installFastHandleRtp();
const fastHandle = (RTCRtpReceiver.prototype as unknown as { handleRTP: Handle }).handleRTP;

const VP8 = 96;
const RTX = 97;
const MEDIA_SSRC = 1000;
const RTX_SSRC = 2000;

interface Received {
  receiver: RTCRtpReceiver;
  track: MediaStreamTrack;
  got: unknown[];
  rtcp: unknown[];
}

/** A video receiver (VP8 with NACK and PLI, RTX; optionally transport-cc) and what reaches its track and the wire. */
function videoReceiver(twcc: boolean): Received {
  const receiver = new RTCRtpReceiver({} as never, "video", 42);
  const feedback = [useNACK(), usePLI(), ...(twcc ? [useTWCC()] : [])];
  receiver.prepareReceive({
    codecs: [
      new RTCRtpCodecParameters({ mimeType: "video/VP8", clockRate: 90000, payloadType: VP8, rtcpFeedback: feedback }),
      new RTCRtpCodecParameters({ mimeType: "video/rtx", clockRate: 90000, payloadType: RTX, parameters: `apt=${VP8}` }),
    ],
    encodings: [{ ssrc: MEDIA_SSRC, rtx: { ssrc: RTX_SSRC } }],
  } as never);
  const rtcp: unknown[] = [];
  receiver.setDtlsTransport({ sendRtcp: async (packets: { serialize(): Buffer }[]) => void rtcp.push(...packets.map((p) => p.serialize().toString("hex"))) } as never);
  const track = new MediaStreamTrack({ kind: "video", remote: true, ssrc: MEDIA_SSRC });
  receiver.addTrack(track);
  const got: unknown[] = [];
  track.onReceiveRtp.subscribe((p: RtpPacket, ext?: unknown) => got.push([{ ...p.header }, p.payload.toString("hex"), ext]));
  return { receiver, track, got, rtcp };
}

/** A packet sequence with loss, a late packet, a duplicate, a sequence wrap, RTX repairs and an unknown payload type. */
function packets(): [RtpPacket, Record<string, unknown>][] {
  const out: [RtpPacket, Record<string, unknown>][] = [];
  let tsn = 100;
  const add = (ssrc: number, pt: number, seq: number, payload: Buffer) => {
    const header = new RtpHeader({ ssrc, payloadType: pt, sequenceNumber: seq & 0xffff, timestamp: (seq * 3000) >>> 0, marker: seq % 3 === 0 });
    out.push([new RtpPacket(header, payload), { [RTP_EXTENSION_URI.transportWideCC]: tsn++ & 0xffff, [RTP_EXTENSION_URI.sdesMid]: "0" }]);
  };
  for (let seq = 65520; seq < 65560; seq++) {
    if (seq % 8 === 5) continue; // lost
    add(MEDIA_SSRC, VP8, seq, Buffer.from([seq & 0xff, 1, 2, 3]));
    if (seq % 10 === 2) add(MEDIA_SSRC, VP8, seq - 4, Buffer.from([0xaa])); // late or duplicate
    if (seq % 16 === 7) add(RTX_SSRC, RTX, seq, Buffer.from([((seq - 2) >> 8) & 0xff, (seq - 2) & 0xff, 9, 9])); // repair of seq - 2
    if (seq === 65530) add(MEDIA_SSRC, 111, seq, Buffer.from([7])); // payload type not negotiated
  }
  return out;
}

/** What werift keeps of a receiver and its track after a run (clock readings aside). */
function state({ receiver, got, rtcp }: Received) {
  const r = receiver as unknown as {
    remoteStreams: Record<number, Record<string, unknown>>;
    nack: { _lost: Record<number, number>; newEstSeqNum: number; mediaSourceSsrc?: number };
    receiverTWCC?: { extensionInfo: Record<number, unknown> };
  };
  const streams = Object.fromEntries(
    Object.entries(r.remoteStreams).map(([ssrc, s]) => {
      const { lastPacketReceivedTimestamp: _, ...fields } = s;
      return [ssrc, fields];
    }),
  );
  return {
    streams,
    lost: { ...r.nack._lost },
    newEstSeqNum: r.nack.newEstSeqNum,
    nackSsrc: r.nack.mediaSourceSsrc,
    twcc: r.receiverTWCC ? Object.keys(r.receiverTWCC.extensionInfo) : "none",
    got,
    rtcp: rtcp.length,
  };
}

/** Feeds the same packets, at the same clock readings, to a receiver running `handle`. */
function run(handle: Handle, twcc: boolean) {
  const received = videoReceiver(twcc);
  let now = 1_733_000_000_000;
  const clock = vi.spyOn(Date, "now").mockImplementation(() => now);
  const r = received.receiver as unknown as { trackBySSRC: Record<number, unknown> };
  for (const [packet, extensions] of packets()) {
    now += 7;
    handle.call(received.receiver, packet, extensions, r.trackBySSRC[packet.header.ssrc]);
  }
  clock.mockRestore();
  const after = state(received);
  received.receiver.stop();
  return after;
}

afterEach(() => vi.restoreAllMocks());

describe("installFastHandleRtp", () => {
  it("replaces werift's handleRTP (this werift is the version it was written for)", () => {
    expect(fastHandle).not.toBe(weriftHandle);
  });

  for (const twcc of [false, true]) {
    it(`leaves the receiver, its track and its feedback as werift's handleRTP does (transport-cc ${twcc ? "on" : "off"})`, () => {
      const werift = run(weriftHandle, twcc);
      const fast = run(fastHandle, twcc);
      expect(fast).toEqual(werift);
      // The sequence did exercise loss, RTX and (when on) transport-wide feedback.
      expect(Object.keys(werift.lost).length).toBeGreaterThan(0);
      expect((werift.streams[MEDIA_SSRC] as { cycles: number }).cycles).toBe(1 << 16);
      expect(werift.streams[RTX_SSRC]).toBeDefined();
      expect(werift.got.length).toBeGreaterThan(40);
      if (twcc) expect(werift.rtcp).toBeGreaterThan(0);
    });
  }

  it("drops packets after stop and of payload types not negotiated, as werift does", () => {
    const { receiver, got } = videoReceiver(false);
    const p = new RtpPacket(new RtpHeader({ ssrc: MEDIA_SSRC, payloadType: 111 }), Buffer.from([1]));
    fastHandle.call(receiver, p, {}, receiver.trackBySSRC[MEDIA_SSRC]);
    expect((receiver as unknown as { remoteStreams: object }).remoteStreams).toEqual({});
    receiver.stop();
    fastHandle.call(receiver, new RtpPacket(new RtpHeader({ ssrc: MEDIA_SSRC, payloadType: VP8 }), Buffer.from([1])), {}, receiver.trackBySSRC[MEDIA_SSRC]);
    expect(got).toEqual([]);
  });
});

describe("lowerName", () => {
  it("is the codec name lower-cased, also after the MIME type changes", () => {
    const c = new RTCRtpCodecParameters({ mimeType: "video/VP8", clockRate: 90000 });
    expect(lowerName(c)).toBe("vp8");
    expect(lowerName(c)).toBe("vp8");
    c.mimeType = "video/RTX";
    expect(lowerName(c)).toBe("rtx");
  });
});
