import { RTCRtpCodecParameters, RTCRtpReceiver } from "werift";

/** What werift's receiver and its codecs look like to these patches (not all in its typings). */
interface Feedback {
  type: string;
}
interface Codec {
  mimeType: string;
  rtcpFeedback: Feedback[];
}
interface Receiver {
  codecs: Record<number, Codec>;
  prepareReceive(params: unknown): void;
  [FIRST]?: Codec | null;
}

/** A receiver's codec of the lowest payload type (null: none), until its codecs change. */
const FIRST = Symbol("confab.firstCodec");
/** The codec name werift derives from the MIME type, cached with the MIME type it came from. */
const NAME = Symbol("confab.codecName");

type Named = Codec & { [NAME]?: { mime: string; name: string | undefined } };

/** The codec of the lowest payload type, as werift's `codecArray[0]` (undefined: none). */
export function lowestCodec(codecs: Record<number, Codec>): Codec | undefined {
  // Payload types are integer keys: for-in visits them in ascending order, as werift's sort does.
  for (const key in codecs) return codecs[key as unknown as number];
  return undefined;
}

/** `codec.rtcpFeedback.find((f) => f.type === type)` without a closure. */
function feedbackOf(codec: Codec | null | undefined, type: string): Feedback | undefined {
  if (!codec) return undefined;
  const feedback = codec.rtcpFeedback;
  for (let i = 0; i < feedback.length; i++) if (feedback[i]!.type === type) return feedback[i];
  return undefined;
}

let installed = false;

/**
 * Takes the allocations out of werift's per-packet receive path (RTCRtpReceiver.handleRTP) without
 * changing what it does, for every publisher packet the SFU reads:
 * - `nackEnabled`/`twccEnabled`/`pliEnabled` sorted a fresh array of the receiver's codecs on
 *   each call (one a packet) to take the first: now that codec is kept until werift changes the
 *   receiver's codecs (`prepareReceive`, also the end of `resyncCodecs`);
 * - a codec's `name` split its MIME type into a new array twice a packet: now cached per MIME type.
 * Idempotent; call before the first peer connection of the thread.
 */
export function installFastReceive(): void {
  if (installed) return;
  installed = true;
  Object.defineProperty(RTCRtpCodecParameters.prototype, "name", {
    configurable: true,
    get(this: Named): string | undefined {
      const cached = this[NAME];
      if (cached !== undefined && cached.mime === this.mimeType) return cached.name;
      const name = this.mimeType.split("/")[1];
      this[NAME] = { mime: this.mimeType, name };
      return name;
    },
  });
  const receiver = RTCRtpReceiver.prototype as unknown as Receiver;
  for (const [property, type] of [
    ["nackEnabled", "nack"],
    ["twccEnabled", "transport-cc"],
    ["pliEnabled", "nack"],
  ] as const) {
    // werift's pliEnabled looks for `usePLI().type`, which is "nack" too (PLI is a nack parameter).
    Object.defineProperty(receiver, property, {
      configurable: true,
      get(this: Receiver) {
        let first = this[FIRST];
        if (first === undefined) first = this[FIRST] = lowestCodec(this.codecs) ?? null;
        return feedbackOf(first, type);
      },
    });
  }
  // werift changes a receiver's codecs only here (resyncCodecs deletes them, then calls it).
  const prepare = receiver.prepareReceive;
  receiver.prepareReceive = function (this: Receiver, params: unknown) {
    this[FIRST] = undefined;
    try {
      prepare.call(this, params);
    } finally {
      this[FIRST] = undefined;
    }
  };
}
