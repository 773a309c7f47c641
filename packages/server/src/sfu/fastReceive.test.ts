import { RTCRtpCodecParameters, RTCRtpReceiver, RtpHeader, RtpPacket, useNACK, usePLI, useREMB, useTWCC } from "werift";
import { describe, expect, it } from "vitest";
import { clonePacket, installFastReceive } from "./fastReceive.js";
import { parseRtpHeader } from "./fastRtpHeader.js";

type Getter = (this: unknown) => unknown;
const weriftGetter = (proto: object, name: string): Getter => Object.getOwnPropertyDescriptor(proto, name)!.get! as Getter;
// werift's own getters, taken before the patch replaces them.
const weriftName = weriftGetter(RTCRtpCodecParameters.prototype, "name");
const weriftReceiver = {
  nackEnabled: weriftGetter(RTCRtpReceiver.prototype, "nackEnabled"),
  twccEnabled: weriftGetter(RTCRtpReceiver.prototype, "twccEnabled"),
  pliEnabled: weriftGetter(RTCRtpReceiver.prototype, "pliEnabled"),
};
const weriftClone = RtpPacket.prototype.clone;
const weriftRunRtcp = (RTCRtpReceiver.prototype as unknown as { runRtcp(): Promise<void> }).runRtcp;
installFastReceive();

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

  it("clones a packet as werift does: a new header with every field, the same payload", () => {
    expect(RtpPacket.prototype.clone).toBe(clonePacket);
    const extensions = [{ id: 1, payload: Buffer.from("h") }, { id: 3, payload: Buffer.from([1, 2, 3]) }];
    const headers = [
      new RtpHeader(),
      new RtpHeader({ marker: true, padding: true, paddingSize: 4, payloadType: 96, sequenceNumber: 65535, timestamp: 0xffffffff, ssrc: 7, csrc: [1, 2], csrcLength: 2, extensions }),
      parseRtpHeader(new RtpPacket(new RtpHeader({ marker: true, ssrc: 9, extensions }), Buffer.alloc(3)).serialize()),
      Object.assign(new RtpHeader({ ssrc: 5 }), { extra: "an own field werift would copy too" }),
    ];
    for (const header of headers) {
      const packet = new RtpPacket(header, Buffer.from([1, 2, 3]));
      const werift = weriftClone.call(packet);
      const fast = packet.clone();
      expect(fast).toEqual(werift);
      expect(Object.keys(fast.header)).toEqual(Object.keys(werift.header));
      expect(fast.header).not.toBe(header);
      expect(fast.header).toBeInstanceOf(RtpHeader);
      expect(fast.payload).toBe(packet.payload);
    }
  });

  it("starts werift's report loop once, and not after the receiver stopped", async () => {
    const receiver = new RTCRtpReceiver({} as never, "video", 1) as unknown as { runRtcp(): Promise<void>; rtcpRunning: boolean; stop(): void };
    expect(receiver.runRtcp).not.toBe(weriftRunRtcp);
    const loop = receiver.runRtcp();
    expect(receiver.rtcpRunning).toBe(true);
    await expect(receiver.runRtcp()).resolves.toBeUndefined();
    receiver.stop();
    await loop.catch(() => undefined);
    const stopped = new RTCRtpReceiver({} as never, "video", 2) as unknown as { runRtcp(): Promise<void>; rtcpRunning: boolean; stop(): void };
    stopped.stop();
    await expect(stopped.runRtcp()).resolves.toBeUndefined();
    expect(stopped.rtcpRunning).toBe(false);
  });
});
