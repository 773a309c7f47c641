import { performance } from "node:perf_hooks";
import { hrtime } from "node:process";
import { RTCRtpCodecParameters, RTCRtpReceiver, type RtpPacket } from "werift";

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
  handleRTP(packet: RtpPacket, extensions: unknown, track: unknown): void;
  setupTWCC(mediaSourceSsrc: number): void;
  receiverTWCC?: ReceiverTwcc;
  remoteStreams: Record<number, StreamStatistics | undefined>;
  [FIRST]?: Codec | null;
}

/** werift's per-SSRC receive statistics (its `StreamStatistics`, not exported): what `add` uses. */
export interface StreamStatistics {
  base_seq?: number;
  max_seq?: number;
  cycles: number;
  packets_received: number;
  bytesReceived: number;
  headerBytesReceived: number;
  lastPacketReceivedTimestamp?: number;
  clockRate: number;
  jitter_q4: number;
  last_arrival?: number;
  last_timestamp?: number;
  add(packet: RtpPacket, now?: number): void;
}

/** werift's receiver-side transport-wide feedback (its `ReceiverTWCC`, not exported): what is used here. */
export interface ReceiverTwcc {
  extensionInfo: Record<number, { tsn: number; timestamp: bigint }>;
  handleTWCC(transportSequenceNumber: number): void;
  sendTWCC(): void;
  [PENDING_OF]?: object;
  [PENDING]?: number;
  [SENT_AT]?: number;
}

/** How often a receiver sends transport-wide feedback, at most (libwebrtc: 50–250 ms by rate). */
export const TWCC_FEEDBACK_INTERVAL_MS = 50;
/** Packets one feedback reports at most: more pending sends it before the interval is up. */
export const TWCC_MAX_PENDING = 100;

const PENDING_OF = Symbol("confab.twccPendingOf");
const PENDING = Symbol("confab.twccPending");
const SENT_AT = Symbol("confab.twccSentAt");

/** werift's `microTime()`: microseconds since the epoch as a BigInt (its time base, measured once here). */
const MICRO_BASE = BigInt(Date.now()) * 1000n - hrtime.bigint() / 1000n;
const microTime = (): bigint => MICRO_BASE + hrtime.bigint() / 1000n;

/**
 * werift's `ReceiverTWCC.handleTWCC` records each packet's arrival as werift does, but sent
 * feedback whenever more than 10 packets were pending — about every 11 ms for a 1 000-packet/s
 * stream, and it counted them with `Object.keys` of the pending map at every packet. Browsers
 * send transport-wide feedback every 50–250 ms (libwebrtc's interval, by bitrate); so does this,
 * at {@link TWCC_FEEDBACK_INTERVAL_MS}, sooner when {@link TWCC_MAX_PENDING} packets are
 * pending, and it counts them as they come. The feedback itself is still werift's `sendTWCC`.
 * In the SFU this is the feedback to publishers: 90 RTCP packets a second to a 1 000-packet/s
 * publisher became ~20. (The bots' receivers replace werift's feedback with their own
 * `TwccFeedback`, every 50 ms already.)
 */
export function handleTwcc(this: ReceiverTwcc, transportSequenceNumber: number): void {
  const info = this.extensionInfo;
  // werift's sendTWCC starts a new map after each feedback: count it afresh then.
  if (this[PENDING_OF] !== info) {
    this[PENDING_OF] = info;
    this[PENDING] = Object.keys(info).length;
  }
  if (info[transportSequenceNumber] === undefined) this[PENDING]!++;
  info[transportSequenceNumber] = { tsn: transportSequenceNumber, timestamp: microTime() };
  const now = performance.now();
  if (this[PENDING]! > TWCC_MAX_PENDING || now - (this[SENT_AT] ?? -Infinity) >= TWCC_FEEDBACK_INTERVAL_MS) {
    this[SENT_AT] = now;
    this.sendTWCC();
  }
}

/** RFC 1982 serial-number order of 16-bit numbers, as werift's `uint16Gt`. */
function uint16Gt(a: number, b: number): boolean {
  return (a < b && b - a > 32768) || (a > b && a - b < 32768);
}

/** performance.timeOrigin never changes in a thread: read once (it is a getter). */
const TIME_ORIGIN = performance.timeOrigin;

/**
 * werift's `StreamStatistics.add` (RFC 3550 A.1/A.8: sequence, cycles, jitter), the same
 * arithmetic with one change: werift truncates the arrival time in clock units with
 * `Number.parseInt(n, 10)`, which turns the number into a string and parses it back in V8's
 * runtime — ~2 µs of every publisher packet, a tenth of werift's receive path. `Math.trunc`
 * gives the same integer for every value it can see here (0 ≤ now × clockRate < 10^21, where a
 * number's string form has no exponent).
 */
export function addToStatistics(this: StreamStatistics, packet: RtpPacket, now = Date.now() / 1e3): void {
  const header = packet.header;
  const seq = header.sequenceNumber;
  const inOrder = this.max_seq == undefined || uint16Gt(seq, this.max_seq);
  this.packets_received++;
  this.bytesReceived += packet.payload.length;
  this.headerBytesReceived += header.serializeSize;
  this.lastPacketReceivedTimestamp = TIME_ORIGIN + performance.now();
  if (this.base_seq == undefined) this.base_seq = seq;
  if (inOrder) {
    const arrival = Math.trunc(now * this.clockRate);
    if (this.max_seq != undefined && seq < this.max_seq) this.cycles += 1 << 16;
    this.max_seq = seq;
    if (header.timestamp !== this.last_timestamp && this.packets_received > 1) {
      const diff = Math.abs(arrival - (this.last_arrival ?? 0) - (header.timestamp - (this.last_timestamp ?? 0)));
      this.jitter_q4 += diff - ((this.jitter_q4 + 8) >> 4);
    }
    this.last_arrival = arrival;
    this.last_timestamp = header.timestamp;
  }
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
  // werift's StreamStatistics is not exported: its prototype is patched from the first instance,
  // which the first packet a receiver handles creates.
  const handle = receiver.handleRTP;
  receiver.handleRTP = function (this: Receiver, packet: RtpPacket, extensions: unknown, track: unknown) {
    handle.call(this, packet, extensions, track);
    const stats = this.remoteStreams[packet.header.ssrc];
    if (!stats) return;
    (Object.getPrototypeOf(stats) as StreamStatistics).add = addToStatistics;
    receiver.handleRTP = handle;
  };
  // ReceiverTWCC is not exported either: its prototype is patched when the first one is made,
  // before it records any packet.
  const setup = receiver.setupTWCC;
  receiver.setupTWCC = function (this: Receiver, mediaSourceSsrc: number) {
    setup.call(this, mediaSourceSsrc);
    const twcc = this.receiverTWCC;
    if (!twcc) return;
    (Object.getPrototypeOf(twcc) as ReceiverTwcc).handleTWCC = handleTwcc;
    receiver.setupTWCC = setup;
  };
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
