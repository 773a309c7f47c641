import { RTCRtpCodecParameters, RTCRtpReceiver, RtpHeader, RtpPacket } from "werift";
import { sourceFingerprint } from "./weriftSource.js";

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
  rtcpRunning: boolean;
  stopped: boolean;
  prepareReceive(params: unknown): void;
  runRtcp(): Promise<void>;
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

/** werift 0.25's RtpPacket.clone and RTCRtpReceiver.runRtcp ({@link sourceFingerprint}). */
export const KNOWN_CLONE = "6d33a639c8343b1f";
export const KNOWN_RUN_RTCP = "70eacea6de413067";

/**
 * RtpPacket.clone as werift's (a new header with the same own fields, the same payload
 * buffer), field by field instead of werift's spread into an intermediate object and
 * Object.assign from it (5 times the time).
 */
export function clonePacket(this: RtpPacket): RtpPacket {
  const s = this.header;
  const h = new RtpHeader();
  // werift's and Confab's parsers make headers with exactly these own fields (HEADER_FIELDS);
  // a header with others is copied as werift does.
  if (Object.getPrototypeOf(s) !== RtpHeader.prototype || Object.keys(s).length !== HEADER_FIELDS) {
    return new RtpPacket(Object.assign(h, s), this.payload);
  }
  h.version = s.version;
  h.padding = s.padding;
  h.paddingSize = s.paddingSize;
  h.extension = s.extension;
  h.marker = s.marker;
  h.payloadOffset = s.payloadOffset;
  h.payloadType = s.payloadType;
  h.sequenceNumber = s.sequenceNumber;
  h.timestamp = s.timestamp;
  h.ssrc = s.ssrc;
  h.csrcLength = s.csrcLength;
  h.csrc = s.csrc;
  h.extensionProfile = s.extensionProfile;
  h.extensionLength = s.extensionLength;
  h.extensions = s.extensions;
  return new RtpPacket(h, this.payload);
}

/** The own fields of a werift 0.25 RtpHeader, in order: {@link clonePacket} copies these. */
export const KNOWN_HEADER_FIELDS = [
  "version", "padding", "paddingSize", "extension", "marker", "payloadOffset", "payloadType", "sequenceNumber",
  "timestamp", "ssrc", "csrcLength", "csrc", "extensionProfile", "extensionLength", "extensions",
].join(",");
const HEADER_FIELDS = 15;

/** The settled promise {@link installFastReceive}'s runRtcp returns when werift's would return at once. */
const RUNNING = Promise.resolve();

let installed = false;

/**
 * Takes the allocations out of werift's per-packet receive path (RTCRtpReceiver.handleRTP) without
 * changing what it does, for every publisher packet the SFU reads:
 * - `nackEnabled`/`twccEnabled`/`pliEnabled` sorted a fresh array of the receiver's codecs on
 *   each call (one a packet) to take the first: now that codec is kept until werift changes the
 *   receiver's codecs (`prepareReceive`, also the end of `resyncCodecs`);
 * - a codec's `name` split its MIME type into a new array twice a packet: now cached per MIME type;
 * - `runRtcp` (an async function, so a new promise) is called for every packet to start the
 *   report loop when it is not running: it now returns one settled promise when the loop runs
 *   or the receiver stopped, as werift's returns at once then;
 * - the copy of each packet handed to the track (`clone`) no longer spreads the header into an
 *   intermediate object first ({@link clonePacket}).
 * The last two only when werift's functions are those of the version they were written for.
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
  const runRtcp = receiver.runRtcp;
  if (sourceFingerprint(runRtcp) === KNOWN_RUN_RTCP) {
    receiver.runRtcp = function (this: Receiver) {
      if (this.rtcpRunning || this.stopped) return RUNNING;
      return runRtcp.call(this);
    };
  }
  const packet = RtpPacket.prototype as unknown as { clone(this: RtpPacket): RtpPacket };
  if (sourceFingerprint(packet.clone) === KNOWN_CLONE && Object.keys(new RtpHeader()).join(",") === KNOWN_HEADER_FIELDS) {
    packet.clone = clonePacket;
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
