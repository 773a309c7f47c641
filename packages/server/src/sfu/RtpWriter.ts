import { Buffer } from "node:buffer";
import { performance } from "node:perf_hooks";
import {
  RTP_EXTENSION_URI,
  RtcpSenderInfo,
  RtcpSrPacket,
  RtpHeader,
  ntpTime,
  type Extension,
  type GenericNack,
  type RtcpRrPacket,
  type RTCRtpSender,
  type RtpPacket,
} from "werift";
import { DirectSend } from "./DirectSend.js";
import { PacketRing } from "./PacketRing.js";
import { SharedHistory } from "./SharedHistory.js";
import { SrtpGcm } from "./SrtpGcm.js";
import type { KeptPayload } from "./TrackLayer.js";
import type { TransportCc } from "./TransportCc.js";
import { forwardingStats } from "./stats.js";
import { nativePath } from "./native/fastPath.js";

/** What a receiver report (RFC 3550 §6.4.2) says about one downstream stream. */
export interface ReceiverReport {
  /** Packets expected since the previous report (from the extended highest sequence number). */
  expected: number;
  /** Of those, lost (from the cumulative loss count; retransmissions that arrived are not lost). */
  lost: number;
  /** Round-trip time in seconds, when the report echoes one of our sender reports. */
  rtt: number | undefined;
}

/** A packet older than this is not resent: the receiver's jitter buffer has given up on it. */
const MAX_RESEND_AGE_MS = 1000;
/** Nor is one resent again sooner than this (a NACK repeated before our resend could arrive). */
const MIN_RESEND_INTERVAL_MS = 100;
/** Nor more often than this. */
const MAX_RESENDS = 3;

/**
 * Bytes of retransmission a receiver may get, shared by all streams sent to it: on a congested
 * link, answering every NACK would add to the congestion that caused the losses.
 */
export class RetransmitBudget {
  private tokens = 0;
  constructor(private bytesPerSecond = 64_000) {
    this.tokens = bytesPerSecond;
  }
  /** Sets the allowance (bytes/s) and adds what accrued in `seconds`. */
  refill(bytesPerSecond: number, seconds: number): void {
    this.bytesPerSecond = bytesPerSecond;
    this.tokens = Math.min(bytesPerSecond, this.tokens + bytesPerSecond * seconds);
  }
  take(bytes: number): boolean {
    if (this.tokens < bytes) return false;
    this.tokens -= bytes;
    return true;
  }
}

/** Sender reports remembered to compute RTT from the LSR/DLSR of receiver reports. */
const SR_MEMORY = 8;

/** Packets kept for retransmission (NACK, RFC 4585 §6.2.1), per downstream track. */
const HISTORY = 1024;
/**
 * Bytes of them kept: ~1.7 s of a 1.2 Mbit/s video, ~4 s of Opus (older packets are not resent
 * anyway once the receiver has given up on them, MAX_RESEND_AGE_MS).
 */
const VIDEO_HISTORY_BYTES = 256 * 1024;
const AUDIO_HISTORY_BYTES = 32 * 1024;
/** Most padding one RTP packet can carry (its last byte counts the padding, RFC 3550 §5.1). */
export const MAX_PADDING = 255;
const NO_EXTENSIONS: Extension[] = [];

/** RTCP sender reports (RFC 3550 §6.4.1) every 1 s on average. */
const SR_INTERVAL_MS = 1000;

/**
 * The forwarding hot path to one receiver: rewrites the header into one reused RtpHeader
 * (SSRC, payload type, sequence, timestamp; the transport-wide sequence number when the
 * receiver gives transport-cc feedback, no other extensions), encrypts with the transport's SRTP
 * session (AES-GCM assembled directly by SrtpGcm, other profiles by werift) and sends on the
 * nominated ICE pair. It skips werift's RTCRtpSender.sendRtp, which
 * clones every packet, rebuilds header extensions and stamps NTP time per packet; so this
 * class also keeps what the sender would have kept: a retransmission history answering NACKs
 * and periodic sender reports.
 */
export class RtpWriter {
  private readonly header = new RtpHeader({ extensions: [] });
  private readonly history: PacketRing;
  private readonly historySeq = new Int32Array(HISTORY).fill(-1);
  /** When each history packet was first sent and last resent (performance.now ms), and how often. */
  private readonly historySentAt = new Float64Array(HISTORY);
  private readonly historyResentAt = new Float64Array(HISTORY);
  private readonly historyResends = new Uint8Array(HISTORY);
  /** 1 for packets of a keyframe: resent even when the retransmission budget is spent. */
  private readonly historyKey = new Uint8Array(HISTORY);
  /**
   * 1: the ring holds the packet's payload (resent on the RTX stream, re-encrypted); 0: its
   * encrypted bytes (resent as they are, on the media stream).
   */
  private readonly historyPlain = new Uint8Array(HISTORY);
  /** Payloads kept by their layer for every receiver (plain, RTX): where, instead of a copy in {@link history}. */
  private readonly shared = new SharedHistory(HISTORY);
  private readonly historyTs = new Uint32Array(HISTORY);
  private readonly historyMarker = new Uint8Array(HISTORY);
  /** Next sequence number on the RTX stream (RFC 4588 §4: its own numbering, random start). */
  private rtxSeq = Math.floor(Math.random() * 0x10000);
  private seqOffset = 0;
  private tsOffset = 0;
  private lastSeq: number | undefined;
  private lastTs = 0;
  private lastSentAt = 0;
  /** Whether the last packet sent ended a frame (padding goes only between frames). */
  private atFrameEnd = false;
  /** The negotiated transport-cc extension, looked up again when negotiation changes it. */
  private extensionsSeen: unknown;
  private readonly ccExtensions: Extension[] = [];
  private readonly gcm = new SrtpGcm(nativePath());
  /** Sends on the transport's nominated pair (re-made if the transport changes). */
  private direct: DirectSend | undefined;
  private directFor: unknown;
  private packetCount = 0;
  private octetCount = 0;
  private readonly srTimer: NodeJS.Timeout;
  private readonly offNack: () => void;
  private closed = false;
  /** Packets sent again because the receiver reported them lost. */
  retransmitted = 0;
  /** Bits per second sent over the last complete window of about a second. */
  bitrate = 0;
  private rateWindowStart = 0;
  private rateWindowBytes = 0;
  /** Middle 32 bits of the NTP time of recent SRs (RFC 3550 LSR) and when they were sent. */
  private readonly srNtp = new Uint32Array(SR_MEMORY);
  private readonly srSentAt = new Float64Array(SR_MEMORY);
  private srIndex = 0;
  private reportedHighest: number | undefined;
  private reportedLost = 0;

  constructor(
    private readonly sender: RTCRtpSender,
    private readonly clockRate: number,
    private readonly budget: RetransmitBudget = new RetransmitBudget(),
    private readonly cc?: TransportCc,
  ) {
    this.history = new PacketRing(HISTORY, clockRate === 90_000 ? VIDEO_HISTORY_BYTES : AUDIO_HISTORY_BYTES);
    this.offNack = sender.onGenericNack.subscribe((nack) => this.onNack(nack)).unSubscribe;
    this.srTimer = setInterval(() => this.sendReport(), SR_INTERVAL_MS * (0.75 + Math.random() * 0.5));
    this.srTimer.unref();
  }

  /**
   * Continues the numbering across a gap (a paused stream resuming): the next packet gets the
   * sequence number after the last one sent, and its timestamp advances by the time elapsed.
   */
  rebase(next: RtpPacket): void {
    if (this.lastSeq === undefined) return;
    const elapsed = Math.max(1, Math.round(((performance.now() - this.lastSentAt) / 1000) * this.clockRate));
    this.seqOffset = (this.lastSeq + 1 - next.header.sequenceNumber) & 0xffff;
    this.tsOffset = (this.lastTs + elapsed - next.header.timestamp) >>> 0;
  }

  /**
   * Sends one packet; drops it while the transport is not up. Never throws. `keyframe`: the
   * packet belongs to a keyframe (without it the receiver cannot decode anything until the next).
   * `now`: performance.now() ms, read once per incoming packet by the caller for all receivers.
   * `kept`: where the packet's layer kept its payload for every receiver (the history then
   * remembers that instead of a copy); `patch0`–`patch2`: offsets of payload bytes rewritten
   * for this receiver (-1: none), remembered with their values.
   */
  write(packet: RtpPacket, keyframe: boolean, now: number, kept?: KeptPayload, patch0 = -1, patch1 = -1, patch2 = -1): void {
    const dtls = this.sender.dtlsTransport;
    const codec = this.sender.codec;
    if (this.closed || !dtls || !dtls.srtpStarted || !codec) return;
    const src = packet.header;
    const seq = (src.sequenceNumber + this.seqOffset) & 0xffff;
    const ts = (src.timestamp + this.tsOffset) >>> 0;
    const encrypted = this.seal(dtls, this.sender.ssrc, codec.payloadType, seq, ts, src.marker, false, packet.payload, now);
    if (!encrypted) return;
    const slot = seq % HISTORY;
    // With RTX the payload is kept (a resend is a new RTX packet); without, the exact bytes.
    const plain = this.rtxPayloadType !== undefined;
    const payload = packet.payload;
    // Not kept by its layer (or no RTX: the exact encrypted bytes are resent): a copy of its own.
    if (!this.shared.remember(slot, plain ? kept : undefined, payload, patch0, patch1, patch2)) {
      this.history.store(slot, plain ? payload : encrypted);
    }
    this.historyPlain[slot] = plain ? 1 : 0;
    this.historyTs[slot] = ts;
    this.historyMarker[slot] = src.marker ? 1 : 0;
    this.historySeq[slot] = seq;
    this.historySentAt[slot] = now;
    this.historyResends[slot] = 0;
    this.historyKey[slot] = keyframe ? 1 : 0;
    this.lastSeq = seq;
    this.lastTs = ts;
    this.lastSentAt = now;
    this.atFrameEnd = src.marker;
    this.packetCount++;
    this.octetCount += packet.payload.length;
    this.countRate(encrypted.length, now);
    this.send(encrypted);
  }

  /**
   * Sends one padding-only packet of `bytes` padding (at most {@link MAX_PADDING}) between two
   * frames of this stream, for a bandwidth probe: it takes the next sequence number (the
   * stream's numbering moves on by one) and the last timestamp, and the receiver drops it
   * after accounting for it. Returns false when it cannot now (mid-frame, nothing sent yet).
   *
   * Padding stays on the media stream even with RTX negotiated: padding-only RTX packets were
   * measured to come back from Chrome's feedback as lost far more often (22–74 of a probe's
   * ~60 packets in failing runs of the bad-network test, against 0–10 on the media stream), so
   * probes stopped finding bandwidth that was there.
   */
  sendPadding(bytes: number): boolean {
    const dtls = this.sender.dtlsTransport;
    const codec = this.sender.codec;
    if (!this.canPad || !dtls || !dtls.srtpStarted || !codec || this.lastSeq === undefined) return false;
    const size = Math.max(1, Math.min(MAX_PADDING, Math.floor(bytes)));
    const padding = Buffer.alloc(size);
    padding[size - 1] = size;
    const seq = (this.lastSeq + 1) & 0xffff;
    const encrypted = this.seal(dtls, this.sender.ssrc, codec.payloadType, seq, this.lastTs, false, true, padding, performance.now());
    if (!encrypted) return false;
    this.seqOffset = (this.seqOffset + 1) & 0xffff;
    this.lastSeq = seq;
    this.packetCount++;
    forwardingStats.paddingPackets++;
    this.send(encrypted);
    return true;
  }

  /** Whether padding can go out now (the stream is flowing and between frames). */
  get canPad(): boolean {
    return !this.closed && this.lastSeq !== undefined && this.atFrameEnd && performance.now() - this.lastSentAt < 1000;
  }

  /** The RTX payload type (RFC 4588) when the receiver negotiated it, else undefined. */
  get rtxPayloadType(): number | undefined {
    // Set by werift from the negotiated codecs (private in its typings).
    return (this.sender as unknown as { rtxPayloadType?: number }).rtxPayloadType;
  }

  private nextRtxSeq(): number {
    const seq = this.rtxSeq;
    this.rtxSeq = (seq + 1) & 0xffff;
    return seq;
  }

  /**
   * Writes the reused header, stamps the transport-wide number and encrypts. Undefined when
   * encryption fails (a transport being torn down).
   */
  private seal(
    dtls: NonNullable<RTCRtpSender["dtlsTransport"]>,
    ssrc: number,
    payloadType: number,
    seq: number,
    timestamp: number,
    marker: boolean,
    padding: boolean,
    payload: Buffer,
    now: number,
  ): Buffer | undefined {
    const h = this.header;
    h.ssrc = ssrc;
    h.payloadType = payloadType;
    h.marker = marker;
    h.padding = padding;
    h.sequenceNumber = seq;
    h.timestamp = timestamp;
    const wide = this.stampTransportCc(now);
    let encrypted: Buffer;
    try {
      encrypted = this.gcm.encrypt(dtls.srtp, h, payload, wide >= 0 ? this.ccExtensions[0] : undefined);
    } catch {
      return undefined;
    } finally {
      h.padding = false;
    }
    if (wide >= 0) this.cc!.sized(wide, encrypted.length);
    return encrypted;
  }

  /** Puts the transport-wide sequence number on the reused header; returns it (-1: not negotiated). */
  private stampTransportCc(now: number): number {
    const cc = this.cc;
    // Set by werift from the negotiated parameters (not part of its typed API).
    const negotiated = (this.sender as unknown as { headerExtensions?: { uri: string; id: number }[] }).headerExtensions;
    if (negotiated !== this.extensionsSeen) {
      this.extensionsSeen = negotiated;
      this.ccExtensions.length = 0;
      const id = negotiated?.find((e) => e.uri === RTP_EXTENSION_URI.transportWideCC)?.id;
      if (cc && id !== undefined) this.ccExtensions.push({ id, payload: cc.extension });
    }
    if (!cc || this.ccExtensions.length === 0) {
      this.header.extensions = NO_EXTENSIONS;
      return -1;
    }
    this.header.extensions = this.ccExtensions;
    return cc.stamp(now);
  }

  /**
   * Reads the report block about this stream from a receiver report, if there is one: loss, and
   * RTT when it echoes an SR of ours (RFC 3550 §6.4.1: now − LSR − DLSR).
   */
  receiverReport(packet: RtcpRrPacket): ReceiverReport | undefined {
    const block = packet.reports.find((r) => r.ssrc === this.sender.ssrc);
    if (!block) return undefined;
    let rtt: number | undefined;
    if (block.lsr !== 0) {
      for (let i = 0; i < SR_MEMORY; i++) {
        if (this.srNtp[i] === block.lsr && this.srSentAt[i]! > 0) {
          rtt = Math.max(0, (performance.now() - this.srSentAt[i]!) / 1000 - block.dlsr / 65536);
          break;
        }
      }
    }
    // Browsers send a receiver report with every NACK, so per-report fractions are over a handful
    // of packets; deltas of the cumulative counters let the estimator weigh them.
    let expected = 0;
    let lost = 0;
    if (this.reportedHighest !== undefined) {
      expected = block.highestSequence - this.reportedHighest;
      lost = block.packetsLost - this.reportedLost;
      if (expected < 0 || expected > 0x8000) expected = 0;
      lost = Math.max(0, Math.min(lost, expected));
    }
    this.reportedHighest = block.highestSequence;
    this.reportedLost = block.packetsLost;
    return { expected, lost, rtt };
  }

  /** Stops reports and retransmissions; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.srTimer);
    this.offNack();
    this.history.clear();
    this.shared.clear();
  }

  private countRate(bytes: number, now: number): void {
    this.rateWindowBytes += bytes;
    const elapsed = now - this.rateWindowStart;
    if (elapsed >= 1000) {
      this.bitrate = elapsed < 3000 ? (this.rateWindowBytes * 8000) / elapsed : 0;
      this.rateWindowStart = now;
      this.rateWindowBytes = 0;
    }
  }

  private send(data: Buffer): void {
    const connection = this.sender.dtlsTransport.iceTransport.connection;
    if (connection !== this.directFor) {
      this.directFor = connection;
      this.direct = new DirectSend(connection, nativePath());
    }
    // A packet the closing transport cannot send is lost; that is what NACK is for.
    this.direct!.send(data);
  }

  private onNack(nack: GenericNack): void {
    const now = performance.now();
    for (const seq of nack.lost) {
      const slot = seq % HISTORY;
      if (this.historySeq[slot] !== seq) continue;
      if (now - this.historySentAt[slot]! > MAX_RESEND_AGE_MS) continue;
      if (this.historyResends[slot]! >= MAX_RESENDS || now - this.historyResentAt[slot]! < MIN_RESEND_INTERVAL_MS) continue;
      const kept = this.kept(slot);
      if (!kept) continue;
      const rtx = this.rtxPayloadType;
      const plain = this.historyPlain[slot] === 1;
      if (plain && rtx === undefined) continue; // RTX was negotiated away since
      if (!this.budget.take(kept.length) && this.historyKey[slot] === 0) continue;
      // Without RTX: the same encrypted bytes (the receiver never got them, so its replay window
      // accepts them; re-encrypting under the same SRTP index would reuse the GCM nonce). With
      // RTX: a new packet on the RTX stream, the original sequence number first (RFC 4588 §4).
      const packet = plain ? this.sealRtx(seq, slot, kept, rtx!, now) : kept;
      if (!packet) continue;
      this.historyResends[slot]!++;
      this.historyResentAt[slot] = now;
      this.retransmitted++;
      forwardingStats.retransmissions++;
      this.countRate(packet.length, now);
      this.send(packet);
    }
  }

  /** A copy of what the history keeps for `slot`: its layer's payload with this receiver's bytes, or its own copy. */
  private kept(slot: number): Buffer | undefined {
    return this.shared.has(slot) ? this.shared.copy(slot) : this.history.get(slot);
  }

  private sealRtx(seq: number, slot: number, payload: Buffer, payloadType: number, now: number): Buffer | undefined {
    const dtls = this.sender.dtlsTransport;
    if (!dtls?.srtpStarted) return undefined;
    const body = Buffer.allocUnsafe(payload.length + 2);
    body.writeUInt16BE(seq, 0);
    payload.copy(body, 2);
    return this.seal(dtls, this.sender.rtxSsrc, payloadType, this.nextRtxSeq(), this.historyTs[slot]!, this.historyMarker[slot] === 1, false, body, now);
  }


  private sendReport(): void {
    const dtls = this.sender.dtlsTransport;
    if (this.closed || this.lastSeq === undefined || !dtls?.srtpStarted) return;
    // The RTP timestamp "now", extrapolated from the last packet (RFC 3550 §6.4.1).
    const rtpNow = (this.lastTs + Math.round(((performance.now() - this.lastSentAt) / 1000) * this.clockRate)) >>> 0;
    const ntp = ntpTime();
    const report = new RtcpSrPacket({
      ssrc: this.sender.ssrc,
      senderInfo: new RtcpSenderInfo({ ntpTimestamp: ntp, rtpTimestamp: rtpNow, packetCount: this.packetCount, octetCount: this.octetCount }),
    });
    this.srNtp[this.srIndex] = Number((ntp >> 16n) & 0xffffffffn);
    this.srSentAt[this.srIndex] = performance.now();
    this.srIndex = (this.srIndex + 1) % SR_MEMORY;
    // What werift's `sendRtcp` does (seal with the transport's SRTCP session, natively on the
    // native path, and count), sent as this stream's RTP is rather than through werift's three
    // nested async sends.
    let sealed: Buffer;
    try {
      sealed = dtls.srtcp.encrypt(report.serialize());
    } catch {
      return; // a transport being torn down
    }
    dtls.bytesSent += sealed.length;
    dtls.packetsSent++;
    this.send(sealed);
  }
}
