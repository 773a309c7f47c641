import {
  RTP_EXTENSION_URI,
  RtpRouter,
  deserializeAudioLevelIndication,
  deserializeString,
  deserializeUint16BE,
  deserializeVideoOrientation,
  type RtpPacket,
} from "werift";

/** An extension as werift's RTP header holds it. */
interface Extension {
  id: number;
  payload: Buffer;
}
/** What werift's routeRtp hands a receiver: the value of each extension by URI ("unknown": not negotiated). */
export type Extensions = Record<string, unknown>;

/** The one-character strings of the ASCII bytes: a one-byte mid or rid decodes to one of these. */
const ASCII = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i));

/** `payload.toString()` (UTF-8), without a decode for a one-byte ASCII value (mids and rids like "0", "h"). */
function text(payload: Buffer): string {
  if (payload.length === 1) {
    const b = payload[0]!;
    if (b < 0x80) return ASCII[b]!;
  }
  return deserializeString(payload);
}

/**
 * The record werift's `rtpHeaderExtensionsParser` makes of a packet's extensions — each value
 * decoded as werift decodes it, a later extension of the same URI replacing an earlier one,
 * keys in order of first appearance, throwing where werift's throws (a transport-wide number
 * or abs-send-time shorter than its size) — without its array of intermediate objects and
 * reduce per packet.
 */
export function parseExtensions(extensions: readonly Extension[], uris: Record<number, string | undefined>): Extensions {
  const out: Extensions = {};
  for (let i = 0; i < extensions.length; i++) {
    const { id, payload } = extensions[i]!;
    const uri = uris[id];
    if (!uri) {
      out["unknown"] = payload;
      continue;
    }
    switch (uri) {
      case RTP_EXTENSION_URI.sdesMid:
      case RTP_EXTENSION_URI.sdesRTPStreamID:
      case RTP_EXTENSION_URI.repairedRtpStreamId:
        out[uri] = text(payload);
        break;
      case RTP_EXTENSION_URI.transportWideCC:
        out[uri] = deserializeUint16BE(payload);
        break;
      case RTP_EXTENSION_URI.absSendTime:
        // werift: bufferReader(payload, [3])[0], i.e. this read, in an array of one.
        out[uri] = payload.readUIntBE(0, 3);
        break;
      case RTP_EXTENSION_URI.audioLevelIndication:
        out[uri] = deserializeAudioLevelIndication(payload);
        break;
      case RTP_EXTENSION_URI.videoOrientation:
        out[uri] = deserializeVideoOrientation(payload);
        break;
      default:
        out[uri] = payload;
    }
  }
  return out;
}

/** A receiver as werift's router drives it. */
interface RoutedReceiver {
  latestRid?: string;
  sdesMid?: string;
  latestRepairedRid?: string;
  handleRtpBySsrc(packet: RtpPacket, extensions: Extensions): void;
  handleRtpByRid(packet: RtpPacket, rid: string, extensions: Extensions): void;
}
/** The parts of werift's RtpRouter its routeRtp uses. */
interface Router {
  ssrcTable: Record<number, RoutedReceiver | undefined>;
  ridTable: Record<string, RoutedReceiver | undefined>;
  extIdUriMap: Record<number, string | undefined>;
  routeRtp: (packet: RtpPacket) => void;
  [FAST]?: true;
}

const FAST = Symbol("confab.fastRouter");

/**
 * Gives one werift RtpRouter a `routeRtp` that does what werift's does, with the extensions
 * parsed by {@link parseExtensions}: a packet with a rid goes to the receiver of that rid (or
 * nowhere), one without to the receiver of its SSRC; one with neither known goes to werift's own
 * routeRtp (which looks for a simulcast receiver that already knows the SSRC, and registers it).
 * Then the receiver records the packet's mid and repaired rid. Returns whether it did (false:
 * not werift's router shape, or done before).
 */
export function fastenRouter(value: unknown): boolean {
  const r = value as Router;
  if (typeof r.routeRtp !== "function" || typeof r.ssrcTable !== "object" || typeof r.ridTable !== "object" || typeof r.extIdUriMap !== "object")
    return false;
  if (r[FAST]) return false;
  r[FAST] = true;
  const werift = r.routeRtp;
  r.routeRtp = (packet: RtpPacket): void => {
    const extensions = parseExtensions(packet.header.extensions as Extension[], r.extIdUriMap);
    let receiver = r.ssrcTable[packet.header.ssrc];
    const rid = extensions[RTP_EXTENSION_URI.sdesRTPStreamID];
    if (typeof rid === "string") {
      receiver = r.ridTable[rid];
      if (receiver) {
        receiver.latestRid = rid;
        receiver.handleRtpByRid(packet, rid, extensions);
      }
    } else if (receiver) {
      receiver.handleRtpBySsrc(packet, extensions);
    } else {
      werift(packet);
      return;
    }
    if (!receiver) return;
    const mid = extensions[RTP_EXTENSION_URI.sdesMid];
    if (typeof mid === "string") receiver.sdesMid = mid;
    const repaired = extensions[RTP_EXTENSION_URI.repairedRtpStreamId];
    if (typeof repaired === "string") receiver.latestRepairedRid = repaired;
  };
  return true;
}

let installed = false;

/**
 * Fastens ({@link fastenRouter}) each peer connection's RTP router when werift first registers
 * a sender or receiver in it (before that it routes nothing). Idempotent; call before the first
 * peer connection of the thread.
 */
export function installFastRouting(): void {
  if (installed) return;
  installed = true;
  const proto = RtpRouter.prototype as unknown as Record<string, unknown>;
  for (const name of ["registerRtpSender", "registerRtpReceiver", "registerRtpReceiverBySsrc", "registerRtpReceiverByRid"]) {
    const register = proto[name];
    if (typeof register !== "function") continue;
    proto[name] = function (this: unknown, ...args: unknown[]) {
      fastenRouter(this);
      return (register as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
}
