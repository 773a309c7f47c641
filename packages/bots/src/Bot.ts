import { writeFileSync } from "node:fs";
import { WebSocket } from "ws";
import { MediaStreamTrack, RTCPeerConnection, RTP_EXTENSION_URI, RtcpSrPacket, SrtpAuthenticationError, type RTCRtpTransceiver, type RtpPacket } from "werift";
import { SignalingClient, signalingUrl, type WebSocketFactory } from "@confab/client";
import { SafeEmitter, type ClientMessageInput, type PublishedTrack, type ServerMessage, type SubscribedTrack, type ViewedTrack } from "@confab/protocol";
import { DEFAULT_UDP_BUFFER_BYTES, filterSdpCandidates, installWeriftPatches, mediaSections, onAllowedCandidates, peerConfig, startIceAfterRestart } from "@confab/server";
import { writeIvf } from "./media/ivf.js";
import { AudioPacketSource, VideoPacketSource, loadMedia } from "./MediaSource.js";
import { ReceivedTrack } from "./ReceivedTrack.js";
import { BOT_LAYERS, SimulcastSender, offerSimulcast } from "./SimulcastSender.js";
import { TWCC_FEEDBACK_INTERVAL_MS, TwccFeedback } from "./rtp/TwccFeedback.js";
import { transportWideSequence } from "./rtp/headerExtension.js";

/** What a bot publishes. */
export interface BotPublishOptions {
  video?: boolean;
  audio?: boolean;
  /**
   * Video packets per second instead of real-time 30 fps: the file is played faster (full
   * size packets, still valid VP8) to load the SFU at a known packet rate.
   */
  packetsPerSecond?: number;
  /**
   * Send the video as three simulcast layers (180p/360p/720p at 150k/500k/1.5M, real time
   * 30 fps) as a browser sends a camera, instead of one stream.
   */
  simulcast?: boolean;
}

export interface BotOptions {
  /** The server's http base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  room: string;
  name: string;
  /** A signed join token (servers with `AUTH=token`, or to join with a role). */
  token?: string;
  publish?: BotPublishOptions;
  /** Receive the others' media (default true). */
  subscribe?: boolean;
  /** Drop this share of received packets (0–1) before decryption, as a lossy network would. */
  receiveLoss?: number;
  /**
   * Count received packets by their clear RTP header without decrypting them (no NACKs, no
   * receiver reports, no frames): a cheap receiver for load tests that need many of them on
   * one machine, next to full subscribers that check the media.
   */
  countOnly?: boolean;
  /**
   * A count-only receiver also gives transport-wide feedback, from the sequence numbers in the
   * clear headers, as any browser would: the SFU then estimates its bandwidth and picks simulcast
   * layers for it. Off by default: each feedback costs the SFU a parse (fanout benchmarks keep
   * their load comparable).
   */
  countOnlyFeedback?: boolean;
  /** The sending clock, ms (default 10): a shorter one spreads packets as a browser's pacer does. */
  tickMs?: number;
}

export type BotEvents = {
  /** A remote track started arriving. */
  track: [ReceivedTrack];
  /** Every valid signaling message. */
  message: [ServerMessage];
  closed: [];
};

/** The receive step of werift's StunProtocol (not in its typed API). */
interface StunReceiver {
  datagramReceived(data: Buffer, addr: unknown): void;
}

/**
 * An RTP packet, told from RTCP, STUN and DTLS on one port (RFC 7983 §7: first byte 128–191;
 * RFC 5761 §4: RTCP packet types 192–223 in the second byte, which the SFU's payload types
 * never reach even with the marker bit).
 */
function isRtp(data: Buffer): boolean {
  return data.length >= 12 && data[0]! >= 128 && data[0]! <= 191 && (data[1]! < 192 || data[1]! > 223);
}

/** Bots only ever talk to a server on loopback. */
const LOOPBACK = new Set(["127.0.0.1"]);
const rtc = { announcedIps: ["127.0.0.1"], portRange: undefined, udpSockets: "connection" as const, udpPort: undefined, iceServers: [], keyframeRequestIntervalMs: 500, udpBufferBytes: DEFAULT_UDP_BUFFER_BYTES, stunDiscovery: undefined, iceTcp: false, allowLoopbackCandidates: undefined };
const TICK_MS = 10;

/**
 * A Node participant speaking the real protocol: joins a room, publishes VP8 and Opus from
 * the fixture files (werift), and counts what it receives of everyone else.
 */
export class Bot {
  readonly events = new SafeEmitter<BotEvents>((event, error) => console.error(`bot: "${event}" listener failed`, error));
  readonly received = new Map<string, ReceivedTrack>();
  /** The last sender report the SFU sent on the subscriber connection, by SSRC, and when it came (Date.now()). */
  readonly senderReports = new Map<number, { packetCount: number; ntpTimestamp: bigint; at: number }>();
  id: string | undefined;
  keyframeRequests = 0;
  videoPacketsSent = 0;
  /** Packets received on RTX streams (RFC 4588 retransmissions), all tracks. */
  rtxPacketsReceived = 0;
  /**
   * When set (by a test), a copy of each RTX packet's payload as it arrived, decrypted: the
   * original sequence number (2 bytes, RFC 4588 §4), then the original payload.
   */
  rtxPayloads: Buffer[] | undefined;
  /** The RTP sequence number of the next video packet this bot sends. */
  nextVideoSequence = 0;
  /** When each video packet was sent (performance.now(), ms), by RTP sequence number. */
  readonly videoSentAt = new Float64Array(0x10000);
  private readonly signaling: SignalingClient;
  private publisher: RTCPeerConnection | undefined;
  /** What the publisher connection's sections carry, as declared in its offers. */
  private declared: PublishedTrack[] = [];
  private subscriber: RTCPeerConnection | undefined;
  private subscriberMids = new Map<string, SubscribedTrack>();
  /** Section (mid) of each SSRC the SFU's offers announced: count-only receivers read it. */
  private readonly subscriberSsrcs = new Map<number, string>();
  private twccExtensionId: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Video packets per second when paced by a packet budget, counted from `paceStart`/`paceBase`. */
  private pacedPps: number | undefined;
  private paceStart = 0;
  private paceBase = 0;
  /** Transport-wide feedback on the subscriber connection, sent on its own clock. */
  private twcc: TwccFeedback | undefined;
  private twccTimer: NodeJS.Timeout | undefined;
  private twccMediaSsrc = 0;
  private video: VideoPacketSource | undefined;
  private audio: AudioPacketSource | undefined;
  /** The camera's layers, when publishing simulcast. */
  simulcast: SimulcastSender | undefined;
  private closed = false;

  constructor(private readonly options: BotOptions) {
    // Bots parse every packet they receive too (the load generator should stay cheap), and
    // their DTLS handshakes must survive a busy machine as the SFU's do.
    installWeriftPatches();
    this.signaling = new SignalingClient(signalingUrl(options.url), WebSocket as unknown as WebSocketFactory, "confab-bot/0.1.0");
  }

  /** Connects, joins, and starts publishing; resolves once joined and the offer is sent. */
  async join(): Promise<void> {
    await this.signaling.connect();
    this.signaling.events.on("message", (m) => this.onMessage(m));
    this.signaling.events.on("close", () => this.close());
    const joined = await new Promise<Extract<ServerMessage, { type: "joined" }>>((resolve, reject) => {
      const off = this.signaling.events.on("message", (m) => {
        if (m.type === "joined") resolve(m);
        else if (m.type === "error" && m.inReplyTo === "join") reject(new Error(`join refused: ${m.code} ${m.message}`));
        else return;
        off();
      });
      const token = this.options.token;
      this.signaling.send({ type: "join", room: this.options.room, name: this.options.name, ...(token ? { token } : {}) });
    });
    this.id = joined.self.id;
    const publish = this.options.publish ?? {};
    if (publish.video || publish.audio) await this.publish(publish);
  }

  /** Sends a signaling message as this bot (tests: unmute after a moderator's mute, and so on). */
  send(message: ClientMessageInput): boolean {
    return this.signaling.send(message);
  }

  /**
   * Sends raw bytes on the publisher connection's ICE path, as a hostile or broken client
   * could (tests of the SFU's handling of bad packets). Resolves once handed to the socket.
   */
  async sendRawOnPublisher(data: Buffer): Promise<void> {
    const connection = this.publisher?.dtlsTransports[0]?.iceTransport.connection;
    if (!connection) throw new Error("no publisher connection");
    await connection.send(data);
  }

  /**
   * Restarts ICE on both connections as a browser does after a network change: a publisher
   * offer with fresh credentials, and `ice-restart` for the subscriber (the SFU offers).
   */
  async restartIce(): Promise<void> {
    const pc = this.publisher;
    if (pc) {
      if (this.simulcast) throw new Error("bot: ICE restart of a simulcast publisher is not supported");
      await pc.setLocalDescription(await pc.createOffer({ iceRestart: true }));
      const sdp = filterSdpCandidates(pc.localDescription!.sdp, LOOPBACK);
      this.signaling.send({ type: "sdp", pc: "publisher", description: { type: "offer", sdp }, tracks: this.declared });
    }
    if (this.subscriber) this.signaling.send({ type: "ice-restart" });
  }

  /** The SFU's ICE username fragment on each connection (it changes with an ICE restart). */
  remoteIceUfrags(): Record<"publisher" | "subscriber", string | undefined> {
    const ufrag = (pc: RTCPeerConnection | undefined) => /a=ice-ufrag:(\S+)/.exec(pc?.remoteDescription?.sdp ?? "")?.[1];
    return { publisher: ufrag(this.publisher), subscriber: ufrag(this.subscriber) };
  }

  /** The state of each connection (peer connection, ICE, DTLS), for diagnosing a test that fails. */
  connectionStates(): Record<"publisher" | "subscriber", string> {
    const describe = (pc: RTCPeerConnection | undefined): string => {
      if (!pc) return "none";
      const dtls = pc.dtlsTransports.map((t) => t.state).join(",") || "-";
      return `pc ${pc.connectionState}, ice ${pc.iceConnectionState}, dtls ${dtls}`;
    };
    return { publisher: describe(this.publisher), subscriber: describe(this.subscriber) };
  }

  /** Packets this bot's own transport-wide feedback has recorded (what werift's would have). */
  get transportFeedbackPackets(): number {
    return this.twcc?.packetsRecorded ?? 0;
  }

  /**
   * The local UDP port of each of this bot's connections' nominated ICE pair (undefined: none
   * yet), to tell its datagrams apart in a packet capture.
   */
  nominatedLocalPorts(): { publisher: number | undefined; subscriber: number | undefined } {
    const port = (pc: RTCPeerConnection | undefined): number | undefined => {
      const connection = pc?.dtlsTransports[0]?.iceTransport.connection as unknown as { nominated?: { protocol: { localCandidate?: { port: number } } } } | undefined;
      return connection?.nominated?.protocol.localCandidate?.port;
    };
    return { publisher: port(this.publisher), subscriber: port(this.subscriber) };
  }

  /** Remote tracks of `kind` received so far. */
  tracks(kind?: "audio" | "video"): ReceivedTrack[] {
    return [...this.received.values()].filter((t) => !kind || t.kind === kind);
  }

  /** Complete video frames received, all remote tracks together. */
  receivedVideoFrames(): number {
    return this.tracks("video").reduce((n, t) => n + t.frames, 0);
  }

  /** Writes what was recorded of a remote video as IVF (30 fps timebase). */
  saveRecording(track: ReceivedTrack, path: string): number {
    const frames = track.recorded();
    writeFileSync(path, writeIvf({ fourcc: "VP80", width: 640, height: 360, timebaseDenominator: 30, timebaseNumerator: 1 }, frames));
    return frames.length;
  }

  /** Leaves: stops sending, closes both connections and the socket; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    clearInterval(this.twccTimer);
    this.simulcast?.close();
    this.signaling.close();
    await Promise.all([this.publisher?.close(), this.subscriber?.close()].map((p) => p?.catch(() => undefined)));
    this.events.emit("closed");
    this.events.removeAllListeners();
  }

  /**
   * Tells the SFU every remote video received so far is shown at `width`×`height` device pixels (a grid of
   * tiles that size), so it picks the simulcast layer for it; as the web app's `view`.
   */
  viewAll(width: number, height: number): void {
    this.view(this.tracks("video").map((t) => ({ trackId: t.trackId, width, height })));
  }

  /** Tells the SFU which remote videos are shown, at what size and which are pinned (`view`). */
  view(tracks: ViewedTrack[]): void {
    this.signaling.send({ type: "view", tracks });
  }

  private createPeer(role: "publisher" | "subscriber", simulcast = false): RTCPeerConnection {
    const loss = role === "subscriber" ? (this.options.receiveLoss ?? 0) : 0;
    // werift keeps a packet when `inboundPacketLoss / 100 < Math.random()`, so it takes the kept share.
    const debug = loss > 0 ? { debug: { inboundPacketLoss: Math.round((1 - loss) * 100) } } : {};
    // Bots send one stream per section (no rids), like the SFU's subscriber leg, unless they
    // send simulcast: then they need the publisher leg's MID/RID header extensions.
    const pc = new RTCPeerConnection({
      ...peerConfig(rtc, simulcast ? "publisher" : "subscriber"),
      iceAdditionalHostAddresses: ["127.0.0.1"],
      ...debug,
    });
    onAllowedCandidates(pc, LOOPBACK, (candidate) => {
      if (!this.closed) this.signaling.send({ type: "ice", pc: role, candidate });
    });
    if (role === "subscriber") {
      pc.ontrack = ({ track, transceiver }) => this.onRemoteTrack(track, transceiver);
      if (this.options.countOnly) {
        const off = pc.connectionStateChange.subscribe((state) => {
          if (state !== "connected") return;
          off.unSubscribe();
          this.countWithoutDecrypting(pc);
        });
      }
    }
    return pc;
  }

  /**
   * Counts `pc`'s RTP by the clear header (RFC 3711 leaves it unencrypted) instead of
   * decrypting: right where datagrams leave the ICE layer (werift's DTLS transport, SRTP and
   * routing never see them: ~19 µs per packet in the bench process), and in place of SRTP
   * decryption for any that still get there (the packet then stops, as an unauthenticated one
   * would). RTCP and DTLS go on to werift.
   */
  private countWithoutDecrypting(pc: RTCPeerConnection): void {
    const stop = new SrtpAuthenticationError("counted, not decrypted");
    const feedback = this.options.countOnlyFeedback === true;
    const count = (data: Buffer): void => {
      // The track by the SSRC the SFU's offer gave its section; the transport-wide number
      // is in the clear header too (countOnlyFeedback).
      const mid = this.subscriberSsrcs.get(data.readUInt32BE(8));
      const track = mid === undefined ? undefined : this.received.get(mid);
      track?.onHeader(data.readUInt16BE(2), data.length - 12);
      if (feedback && this.twcc && this.twccExtensionId !== undefined) {
        const seq = transportWideSequence(data, this.twccExtensionId);
        if (seq !== undefined) this.twcc.onPacket(seq, performance.now());
      }
    };
    for (const transport of pc.dtlsTransports) {
      const dtls = transport as unknown as { srtp?: { decrypt(data: Buffer): Buffer } };
      if (dtls.srtp) {
        dtls.srtp.decrypt = (data: Buffer) => {
          count(data);
          throw stop;
        };
      }
      // werift's StunProtocol of the nominated pair hands every datagram on with
      // `this.datagramReceived(data, addr)`: taking RTP out there skips the layers above.
      const connection = transport.iceTransport.connection as unknown as { nominated?: { protocol: Partial<StunReceiver> } };
      const protocol = connection.nominated?.protocol;
      if (typeof protocol?.datagramReceived !== "function") continue;
      const receive = protocol.datagramReceived.bind(protocol);
      protocol.datagramReceived = (data: Buffer, addr: unknown) => {
        if (isRtp(data)) count(data);
        else receive(data, addr);
      };
    }
  }

  /** Learns, from an offer of the SFU, each section's media SSRCs and the transport-wide extension id. */
  private readSubscriberOffer(sdp: string): void {
    for (const section of mediaSections(sdp)) {
      for (const ssrc of section.ssrcs) this.subscriberSsrcs.set(ssrc, section.mid);
      this.twccExtensionId ??= section.extmap.get(RTP_EXTENSION_URI.transportWideCC);
    }
  }

  private async publish(options: BotPublishOptions): Promise<void> {
    const media = loadMedia();
    const pc = (this.publisher = this.createPeer("publisher", options.simulcast && options.video));
    const declared: { kind: "audio" | "video"; source: "camera" | "microphone"; transceiver: RTCRtpTransceiver }[] = [];
    let videoTrack: MediaStreamTrack | undefined;
    let audioTrack: MediaStreamTrack | undefined;
    if (options.video) {
      videoTrack = new MediaStreamTrack({ kind: "video" });
      const transceiver = pc.addTransceiver(videoTrack, { direction: "sendonly" });
      transceiver.sender.onPictureLossIndication.subscribe(() => {
        this.keyframeRequests++;
        this.video?.requestKeyframe();
      });
      declared.push({ kind: "video", source: "camera", transceiver });
      this.video = new VideoPacketSource(media.video);
    }
    if (options.audio) {
      audioTrack = new MediaStreamTrack({ kind: "audio" });
      declared.push({ kind: "audio", source: "microphone", transceiver: pc.addTransceiver(audioTrack, { direction: "sendonly" }) });
      this.audio = new AudioPacketSource(media.audio);
    }
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    let sdp = filterSdpCandidates(pc.localDescription!.sdp, LOOPBACK);
    const camera = declared.find((d) => d.kind === "video");
    if (options.simulcast && camera) {
      sdp = offerSimulcast(sdp, BOT_LAYERS.map((l) => l.rid));
      this.simulcast = new SimulcastSender(camera.transceiver, sdp);
      this.video = undefined;
    }
    this.declared = declared.map((d) => ({ mid: d.transceiver.mid!, kind: d.kind, source: d.source, muted: false }));
    this.signaling.send({ type: "sdp", pc: "publisher", description: { type: "offer", sdp }, tracks: this.declared });
    this.startPacing(videoTrack, audioTrack, options.packetsPerSecond);
  }

  /** Sends media on a 10 ms clock: 30 fps video (or a packet budget) and 20 ms audio. */
  private startPacing(video: MediaStreamTrack | undefined, audio: MediaStreamTrack | undefined, pps: number | undefined): void {
    const start = performance.now();
    this.pacedPps = pps;
    this.paceStart = start;
    let framesDue = 0;
    let audioDue = 0;
    let queue: ReturnType<VideoPacketSource["nextFrame"]> = [];
    this.timer = setInterval(() => {
      if (this.publisher?.connectionState !== "connected") return;
      const elapsed = performance.now() - start;
      if (this.simulcast) {
        for (; framesDue < Math.floor(elapsed / (1000 / 30)); framesDue++) this.simulcast.sendFrame();
      } else if (video && this.video) {
        if (this.pacedPps) {
          const target = this.paceBase + Math.floor(((performance.now() - this.paceStart) / 1000) * this.pacedPps);
          while (this.videoPacketsSent < target) {
            if (queue.length === 0) queue = this.video.nextFrame();
            this.sendVideo(video, queue.shift()!);
          }
        } else {
          for (; framesDue < Math.floor(elapsed / (1000 / 30)); framesDue++) {
            for (const packet of this.video.nextFrame()) {
              this.sendVideo(video, packet);
            }
          }
        }
      }
      if (audio && this.audio) {
        for (; audioDue < Math.floor(elapsed / 20); audioDue++) audio.writeRtp(this.audio.next());
      }
    }, this.options.tickMs ?? TICK_MS);
  }

  /**
   * Changes the video packet rate from now on (a bot started with `packetsPerSecond` only):
   * e.g. a flood that calms down.
   */
  setVideoPacketsPerSecond(pps: number): void {
    if (!this.pacedPps) throw new Error("the bot's video is not paced by packetsPerSecond");
    this.pacedPps = pps;
    this.paceStart = performance.now();
    this.paceBase = this.videoPacketsSent;
  }

  private sendVideo(track: MediaStreamTrack, packet: RtpPacket): void {
    this.videoSentAt[packet.header.sequenceNumber] = performance.now();
    this.nextVideoSequence = (packet.header.sequenceNumber + 1) & 0xffff;
    track.writeRtp(packet);
    this.videoPacketsSent++;
  }

  private onRemoteTrack(track: MediaStreamTrack, transceiver: RTCRtpTransceiver): void {
    const mid = transceiver.mid;
    const info = mid ? this.subscriberMids.get(mid) : undefined;
    const key = mid ?? track.uuid;
    const received = new ReceivedTrack(info?.participantId ?? "?", info?.trackId ?? key, track.kind === "video" ? "video" : "audio");
    this.received.set(key, received);
    track.onReceiveRtp.subscribe((packet) => received.onPacket(packet));
    this.instrumentReceiver(transceiver);
    this.countSenderReports(transceiver);
    this.events.emit("track", received);
  }

  /** Records the SFU's sender reports (RFC 3550 §6.4.1) on the subscriber connection, once per DTLS transport. */
  private countSenderReports(transceiver: RTCRtpTransceiver): void {
    const dtls = transceiver.receiver.dtlsTransport;
    if (!dtls || this.reportedTransports.has(dtls)) return;
    this.reportedTransports.add(dtls);
    dtls.onRtcp.subscribe((rtcp) => {
      if (rtcp instanceof RtcpSrPacket) this.senderReports.set(rtcp.ssrc, { packetCount: rtcp.senderInfo.packetCount, ntpTimestamp: rtcp.senderInfo.ntpTimestamp, at: Date.now() });
    });
  }

  private readonly reportedTransports = new WeakSet<object>();

  /**
   * Replaces werift's transport-wide feedback on this receiver with {@link TwccFeedback}, one per
   * connection, sent every {@link TWCC_FEEDBACK_INTERVAL_MS} as a browser sends it; counts RTX
   * arrivals.
   */
  private instrumentReceiver(transceiver: RTCRtpTransceiver): void {
    const pc = this.subscriber;
    if (!pc) return;
    const receiver = transceiver.receiver as unknown as {
      receiverTWCC?: unknown;
      rtcpSsrc: number;
      ssrcByRtx: Record<number, number>;
      handleRtpBySsrc: (packet: RtpPacket, ...rest: unknown[]) => void;
    };
    // Counts what arrives on the RTX stream before werift unwraps it into the media stream.
    const handle = receiver.handleRtpBySsrc.bind(receiver);
    receiver.handleRtpBySsrc = (packet, ...rest) => {
      if (receiver.ssrcByRtx[packet.header.ssrc] !== undefined) {
        this.rtxPacketsReceived++;
        this.rtxPayloads?.push(Buffer.from(packet.payload));
      }
      handle(packet, ...rest);
    };
    const feedback = (this.twcc ??= new TwccFeedback(receiver.rtcpSsrc));
    // werift calls receiverTWCC.handleTWCC(transport-wide number) for every packet it decrypts.
    // It also drops and re-creates its own one at every renegotiation (each new remote track),
    // which brought its malformed feedback back: the property ignores werift's assignments.
    const ours = {
      handleTWCC: (seq: number | undefined) => {
        if (typeof seq === "number") feedback.onPacket(seq, performance.now());
      },
    };
    Object.defineProperty(receiver, "receiverTWCC", { get: () => ours, set: () => undefined, configurable: true });
    this.twccMediaSsrc ||= transceiver.receiver.tracks[0]?.ssrc ?? 0;
    this.twccTimer ??= setInterval(() => {
      const bytes = feedback.build(this.twccMediaSsrc);
      const dtls = pc.dtlsTransports[0];
      if (!bytes || !dtls || this.closed) return;
      dtls.sendRtcp([{ serialize: () => bytes } as unknown as Parameters<typeof dtls.sendRtcp>[0][number]]).catch(() => undefined);
    }, TWCC_FEEDBACK_INTERVAL_MS);
  }

  private onMessage(message: ServerMessage): void {
    // The subscriber connection must exist before the next message is handled: the server's
    // first offer can arrive in the same read as `joined`.
    if (message.type === "joined" && this.options.subscribe !== false) this.subscriber ??= this.createPeer("subscriber");
    this.events.emit("message", message);
    if (message.type === "layers" && this.simulcast) {
      this.simulcast.active = BOT_LAYERS.map((_, i) => message.active[i] ?? false);
    } else if (message.type === "sdp") {
      const pc = message.pc === "publisher" ? this.publisher : this.subscriber;
      if (!pc) return;
      if (message.pc === "subscriber") {
        for (const t of message.tracks ?? []) this.subscriberMids.set(t.mid, t);
        this.readSubscriberOffer(message.description.sdp);
        void this.answer(pc, message.description.sdp);
      } else {
        pc.setRemoteDescription(message.description)
          .then(() => startIceAfterRestart(pc))
          .catch((e) => console.error("bot: bad answer", e));
      }
    } else if (message.type === "ice") {
      const pc = message.pc === "publisher" ? this.publisher : this.subscriber;
      if (message.candidate) pc?.addIceCandidate(message.candidate).catch(() => undefined);
    }
  }

  private async answer(pc: RTCPeerConnection, sdp: string): Promise<void> {
    try {
      await pc.setRemoteDescription({ type: "offer", sdp });
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      startIceAfterRestart(pc);
      if (this.closed) return;
      this.signaling.send({
        type: "sdp",
        pc: "subscriber",
        description: { type: "answer", sdp: filterSdpCandidates(pc.localDescription!.sdp, LOOPBACK) },
      });
    } catch (error) {
      console.error("bot: subscriber negotiation failed", error);
    }
  }
}
