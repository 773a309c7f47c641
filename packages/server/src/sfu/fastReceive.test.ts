import { RTCRtpCodecParameters, RTCRtpReceiver, useNACK, usePLI, useREMB, useTWCC } from "werift";
import { describe, expect, it } from "vitest";
import { installFastReceive } from "./fastReceive.js";

type Getter = (this: unknown) => unknown;
const weriftGetter = (proto: object, name: string): Getter => Object.getOwnPropertyDescriptor(proto, name)!.get! as Getter;
// werift's own getters, taken before the patch replaces them.
const weriftName = weriftGetter(RTCRtpCodecParameters.prototype, "name");
const weriftReceiver = {
  nackEnabled: weriftGetter(RTCRtpReceiver.prototype, "nackEnabled"),
  twccEnabled: weriftGetter(RTCRtpReceiver.prototype, "twccEnabled"),
  pliEnabled: weriftGetter(RTCRtpReceiver.prototype, "pliEnabled"),
};
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
});
