import { Buffer } from "node:buffer";
import { RTCRtpReceiver, RtpRouter, RTP_EXTENSION_URI, type RtpPacket } from "werift";
import type { StreamStatistics, ReceiverTwcc } from "./fastReceive.js";
import { forwardingStats } from "./stats.js";
import { syncEvent, type WeriftEvent } from "./syncEvents.js";

/** What a lane uses of werift's receiver (not all in its typings). */
interface Receiver {
  stopped: boolean;
  codecs: Record<number, { name?: string } | undefined>;
  trackBySSRC: Record<number, Track | undefined>;
  remoteStreams: Record<number, StreamStatistics | undefined>;
  receiverTWCC?: ReceiverTwcc;
  readonly twccEnabled: unknown;
  readonly nackEnabled: unknown;
  nack: { addPacket(packet: RtpPacket): void };
  rtcpRunning: boolean;
  runRtcp(): Promise<void>;
}

/** A remote track as the lane delivers to it. */
interface Track {
  kind: string;
  onReceiveRtp: WeriftEvent;
}

/** What a lane uses of werift's router. */
interface Router {
  routeRtp: (packet: RtpPacket) => void;
  ssrcTable: Record<number, unknown>;
  ridTable: Record<string, unknown>;
  extIdUriMap: Record<number, string | undefined>;
}

/** An identification extension's value as the lane saw it: its bytes, and the string werift makes of them. */
interface Tag {
  bytes: Buffer;
  text: string;
}

/** One publisher stream (an SSRC, with or without its rid) whose packets go straight to its track. */
interface Lane {
  receiver: Receiver & { sdesMid?: string; latestRid?: string; trackByRID: Record<string, Track | undefined> };
  track: Track;
  stats: StreamStatistics;
  payloadType: number;
  video: boolean;
  /** Extension ids (-1: not negotiated). */
  twccId: number;
  midId: number;
  ridId: number;
  repairedRidId: number;
  /** The mid the stream's packets carry, when they do (werift records it on the receiver). */
  mid: Tag | undefined;
  /** The rid the stream's packets carry (werift routes by it), or undefined: routed by SSRC. */
  rid: Tag | undefined;
  generation: number;
}

/** Lanes a connection keeps at most (its negotiated SSRCs; more are not learned). */
export const MAX_LANES = 64;

/**
 * The extensions a lane hands a track's listeners: none. The server's only listener
 * (ForwardedTrack) reads the packet alone; werift would pass every extension parsed into an
 * object keyed by URI, with the rid and mid decoded into strings, for every packet.
 */
const NO_EXTENSIONS: Record<string, unknown> = Object.freeze({});

/**
 * Bumped whenever werift changes what routing depends on in this thread (a receiver's codecs,
 * tracks or state; the router's tables or extension ids): every lane learned before is dropped.
 * Negotiation does this, a few times per connection; packets do not.
 */
let generation = 0;

/**
 * Puts a lane in front of werift's RTP routing for `router` (a peer connection's `router`):
 * once werift has routed a packet of a stream to its receiver and track, the stream's later
 * packets skip werift's `routeRtp` and `handleRTP` and do what they do for such a packet,
 * in the same order: the receiver statistics (`add`), transport-wide feedback (`handleTWCC`),
 * NACK generation (`nack.addPacket`, video), the track's listeners, the receiver-report loop,
 * and the mid and rid recorded on the receiver. werift parsed every packet's header extensions
 * into an object keyed by URI (rid and mid decoded into new strings), looked the stream up in
 * tables keyed by SSRC or rid (an SSRC above 2^30 is a string key made at each lookup), cloned
 * the packet for the listeners and started async functions per packet. What a lane leaves to
 * werift, packet by packet: a payload type other than the stream's (RTX, RED, a new codec), a
 * mid or rid other than the stream's, a rid missing where the stream had one, a repaired rid,
 * a transport-wide number too short to read, and anything after a negotiation changed
 * routing (the lane is learned again from werift's next packet). Idempotent per router.
 */
export function attachRtpLane(router: unknown): void {
  const r = router as Router & { [ATTACHED]?: true };
  if (r[ATTACHED]) return;
  r[ATTACHED] = true;
  installInvalidation();
  const original = r.routeRtp;
  const lanes = new Map<number, Lane>();
  let lanesGeneration = generation;
  r.routeRtp = (packet: RtpPacket): void => {
    const lane = lanes.get(packet.header.ssrc);
    if (lane !== undefined && lane.generation === generation && deliver(lane, packet)) return;
    original(packet);
    if (lanesGeneration !== generation) {
      lanes.clear();
      lanesGeneration = generation;
    }
    if (lane === undefined && lanes.size >= MAX_LANES) return;
    const learned = learn(r, packet);
    if (learned) lanes.set(packet.header.ssrc, learned);
    else lanes.delete(packet.header.ssrc);
  };
}

const ATTACHED = Symbol("confab.rtpLane");

/** The id `uri` has in `map` (-1: none). */
function idOf(map: Record<number, string | undefined>, uri: string): number {
  for (const key in map) if (map[key] === uri) return Number(key);
  return -1;
}

/** A lane for `packet`'s stream, from where werift has just routed it (undefined: leave it to werift). */
function learn(router: Router, packet: RtpPacket): Lane | undefined {
  const h = packet.header;
  const map = router.extIdUriMap;
  const twccId = idOf(map, RTP_EXTENSION_URI.transportWideCC);
  const midId = idOf(map, RTP_EXTENSION_URI.sdesMid);
  const ridId = idOf(map, RTP_EXTENSION_URI.sdesRTPStreamID);
  const repairedRidId = idOf(map, RTP_EXTENSION_URI.repairedRtpStreamId);
  let mid: Tag | undefined;
  let rid: Tag | undefined;
  for (const e of h.extensions) {
    if (e.id === repairedRidId) return undefined;
    // werift keeps the last one of an id: so does the lane.
    if (e.id === midId) mid = tag(e.payload);
    else if (e.id === ridId) rid = tag(e.payload);
  }
  // werift's routing: by rid when the packet has one, else by SSRC.
  const receiver = rid ? router.ridTable[rid.text] : router.ssrcTable[h.ssrc];
  if (!(receiver instanceof RTCRtpReceiver)) return undefined;
  const rx = receiver as unknown as Lane["receiver"];
  if (rx.stopped) return undefined;
  const track = rid ? rx.trackByRID[rid.text] : rx.trackBySSRC[h.ssrc];
  const codec = rx.codecs[h.payloadType];
  const stats = rx.remoteStreams[h.ssrc];
  if (!track || !codec || !stats) return undefined;
  const name = codec.name?.toLowerCase();
  if (name === "rtx" || name === "red") return undefined;
  // werift sets the feedback up at a packet of a receiver without it: leave that to werift.
  if (!rx.receiverTWCC && rx.twccEnabled) return undefined;
  // Its listeners are called without werift's async function per packet from now on.
  syncEvent(track.onReceiveRtp);
  return {
    receiver: rx,
    track,
    stats,
    payloadType: h.payloadType,
    video: track.kind === "video",
    twccId,
    midId,
    ridId,
    repairedRidId,
    mid,
    rid,
    generation,
  };
}

function tag(payload: Buffer): Tag {
  return { bytes: Buffer.from(payload), text: payload.toString() };
}

function same(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Does for `packet` what werift's routing and `handleRTP` would; false: werift must route it. */
function deliver(lane: Lane, packet: RtpPacket): boolean {
  const h = packet.header;
  if (h.payloadType !== lane.payloadType) return false;
  const extensions = h.extensions;
  let tsn = -1;
  let sawMid = false;
  let sawRid = false;
  for (let i = 0; i < extensions.length; i++) {
    const e = extensions[i]!;
    const id = e.id;
    if (id === lane.twccId) {
      // werift reads the number with readUInt16BE, which throws on a shorter payload: its way then.
      if (e.payload.length < 2) return false;
      tsn = (e.payload[0]! << 8) | e.payload[1]!;
    } else if (id === lane.midId) {
      if (!lane.mid || !same(e.payload, lane.mid.bytes)) return false;
      sawMid = true;
    } else if (id === lane.ridId) {
      if (!lane.rid || !same(e.payload, lane.rid.bytes)) return false;
      sawRid = true;
    } else if (id === lane.repairedRidId) {
      return false;
    }
  }
  if (lane.rid && !sawRid) return false;
  const receiver = lane.receiver;
  const twcc = receiver.receiverTWCC;
  // What werift's routing records, before the receiver handles the packet (or drops it, stopped).
  if (sawRid) receiver.latestRid = lane.rid!.text;
  if (sawMid) receiver.sdesMid = lane.mid!.text;
  if (receiver.stopped) return true;
  forwardingStats.lanePackets++;
  lane.stats.add(packet);
  // A packet without the number: werift records it as `undefined` all the same (so does this).
  if (twcc) twcc.handleTWCC(tsn < 0 ? (undefined as unknown as number) : tsn);
  if (lane.video && receiver.nackEnabled) receiver.nack.addPacket(packet);
  // werift hands the listeners a clone; the packet here was parsed for this delivery alone.
  lane.track.onReceiveRtp.execute(packet, NO_EXTENSIONS);
  // werift calls this async loop per packet; it returns at once while running (a promise each).
  if (!receiver.rtcpRunning) void receiver.runRtcp();
  return true;
}

let invalidationInstalled = false;

/** Makes every change werift makes to routing state bump {@link generation}. */
function installInvalidation(): void {
  if (invalidationInstalled) return;
  invalidationInstalled = true;
  const bump = <T extends object>(proto: T, names: (keyof T & string)[]): void => {
    for (const name of names) {
      const method = proto[name] as unknown as (...args: unknown[]) => unknown;
      (proto as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
        generation++;
        try {
          return method.apply(this, args);
        } finally {
          generation++;
        }
      };
    }
  };
  const router = RtpRouter.prototype as unknown as Record<string, unknown>;
  bump(router, ["registerRtpSender", "registerRtpReceiver", "registerRtpReceiverBySsrc", "registerRtpReceiverByRid", "unregisterTransceiver"]);
  const receiver = RTCRtpReceiver.prototype as unknown as Record<string, unknown>;
  bump(receiver, ["prepareReceive", "resyncCodecs", "setupTWCC", "addTrack", "stop"]);
}

/** For tests: the current generation (it only grows). */
export function laneGeneration(): number {
  return generation;
}
