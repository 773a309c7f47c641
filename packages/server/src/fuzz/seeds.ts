import { readFileSync } from "node:fs";
import {
  GenericNack,
  PacketStatus,
  PictureLossIndication,
  ReceiverEstimatedMaxBitrate,
  RecvDelta,
  RtcpPayloadSpecificFeedback,
  RtcpReceiverInfo,
  RtcpRrPacket,
  RtcpSenderInfo,
  RtcpSourceDescriptionPacket,
  RtcpSrPacket,
  RtcpTransportLayerFeedback,
  RtpHeader,
  RtpPacket,
  RunLengthChunk,
  SourceDescriptionChunk,
  SourceDescriptionItem,
  StatusVectorChunk,
  TransportWideCC,
} from "werift";
import { PROTOCOL_VERSION, type ClientMessageInput, type ParticipantInfo, type ServerMessage } from "@confab/protocol";

/*
 * Real inputs the fuzz targets mutate: the browsers' captured offers, one valid message of
 * every kind a client sends, RTCP and RTP as browsers send them, VP8 payload descriptors.
 */

/** The offers captured from Chromium and Firefox (`packages/server/src/sfu/fixtures`). */
export const SDP_FIXTURES: readonly string[] = [
  "chromium-camera-mic.offer.sdp",
  "chromium-camera-mic-screen.offer.sdp",
  "firefox-camera-mic.offer.sdp",
  "firefox-camera-mic-screen.offer.sdp",
].map((name) => readFileSync(new URL(`../../src/sfu/fixtures/${name}`, import.meta.url), "utf8"));

/** The tracks a client lists with the Chromium camera-and-microphone offer. */
const CHROMIUM_TRACKS = [
  { mid: "0", kind: "audio", source: "microphone", muted: false },
  { mid: "1", kind: "video", source: "camera", muted: false },
] as const;

/** One valid message of each kind a client sends, with every optional field filled. */
export const CLIENT_MESSAGES: readonly ClientMessageInput[] = [
  { type: "hello", protocolVersion: PROTOCOL_VERSION, client: "confab-fuzz/1" },
  { type: "join", room: "fuzz-room", name: "Ann Example", token: "eyJhbGciOiJIUzI1NiJ9.e30.sig", password: "correct horse" },
  { type: "resume", room: "fuzz-room", token: "0123456789abcdef0123456789abcdef" },
  { type: "leave" },
  { type: "sdp", pc: "publisher", description: { type: "offer", sdp: SDP_FIXTURES[0]! }, tracks: [...CHROMIUM_TRACKS] },
  { type: "sdp", pc: "subscriber", description: { type: "answer", sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" } },
  { type: "ice", pc: "publisher", candidate: { candidate: "candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host generation 0", sdpMid: "0", sdpMLineIndex: 0, usernameFragment: "tkbL" } },
  { type: "ice", pc: "subscriber", candidate: null },
  { type: "mute", source: "camera", muted: true },
  { type: "chat", text: "hello https://example.com\n\nsecond line" },
  { type: "hand", raised: true },
  { type: "reaction", emoji: "👍" },
  { type: "view", tracks: [{ trackId: "p1:t1", width: 640, height: 360, pinned: true }, { trackId: "p2:t1", width: 320, height: 180 }] },
  { type: "probe", sdp: SDP_FIXTURES[0]! },
  { type: "moderate", command: { action: "mute", participantId: "p1", source: "microphone" } },
  { type: "moderate", command: { action: "admit", knockId: "k1" } },
  { type: "moderate", command: { action: "end" } },
  { type: "policy", change: { locked: true, lobby: false, password: "secret" } },
];

const participant: ParticipantInfo = { id: "p1", name: "Ann", joinedAt: 1, tracks: [{ id: "t1", kind: "video", source: "camera", muted: false }], handRaised: false, role: "moderator", reconnecting: false };

/** Valid server messages of the kinds that carry the most structure. */
export const SERVER_MESSAGES: readonly ServerMessage[] = [
  { type: "welcome", protocolVersion: PROTOCOL_VERSION, serverVersion: "0.1.0" },
  {
    type: "joined",
    room: "fuzz-room",
    self: participant,
    participants: [{ ...participant, id: "p2" }],
    iceServers: [{ urls: ["stun:example.com"] }],
    chat: [{ id: "c1", participantId: "p2", name: "Bo", text: "hi", sentAt: 2 }],
    speaker: null,
    policy: { locked: false, lobby: false, hasPassword: false, maxParticipants: 100, publish: { camera: "everyone", microphone: "everyone", screen: "everyone", chat: "everyone" } },
    resumeToken: "0123456789abcdef",
  },
  { type: "participant.left", participantId: "p2", reason: "left" },
  { type: "iceServers", iceServers: [{ urls: ["turn:turn.example.org:3478?transport=udp"], username: "1795592873:p1", credential: "q2Jm0K3dO8yTQ0tUv4qz8Xh8G5c=" }] },
  { type: "sdp", pc: "subscriber", description: { type: "offer", sdp: SDP_FIXTURES[0]! }, tracks: [{ mid: "0", participantId: "p2", trackId: "t1" }] },
  { type: "chat", message: { id: "c2", participantId: "p1", name: "Ann", text: "hello", sentAt: 3 } },
  { type: "error", code: "BAD_MESSAGE", message: "text: message is empty", fatal: false, inReplyTo: "chat" },
];

/** RTCP packets of every kind the SFU reads, each alone and as browsers compound them. */
export function rtcpSeeds(): Buffer[] {
  const report = new RtcpReceiverInfo({ ssrc: 2, fractionLost: 3, packetsLost: 4, highestSequence: 5, jitter: 6, lsr: 7, dlsr: 8 });
  const rr = new RtcpRrPacket({ ssrc: 1, reports: [report] }).serialize();
  const sr = new RtcpSrPacket({ ssrc: 1, senderInfo: new RtcpSenderInfo({ ntpTimestamp: 1n << 40n, rtpTimestamp: 9, packetCount: 10, octetCount: 11 }), reports: [report] }).serialize();
  const sdes = new RtcpSourceDescriptionPacket({ chunks: [new SourceDescriptionChunk({ source: 1, items: [new SourceDescriptionItem({ type: 1, text: "{cname-of-a-browser}" })] })] }).serialize();
  const nack = new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: 1, mediaSourceSsrc: 2, lost: [10, 11, 13, 40] }) }).serialize();
  const pli = new RtcpPayloadSpecificFeedback({ feedback: new PictureLossIndication({ senderSsrc: 1, mediaSsrc: 2 }) }).serialize();
  // FIR (RFC 5104 §4.3.1; werift does not export its class): sender, media 0, one FCI entry.
  const fir = Buffer.from([0x84, 206, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0]);
  const remb = new RtcpPayloadSpecificFeedback({ feedback: new ReceiverEstimatedMaxBitrate({ senderSsrc: 1, mediaSsrc: 0, brExp: 4, brMantissa: 50_000, ssrcNum: 1, ssrcFeedbacks: [2] }) }).serialize();
  const twcc = twccSeeds();
  return [rr, sr, sdes, nack, pli, fir, remb, ...twcc, Buffer.concat([rr, sdes, remb, twcc[0]!]), Buffer.concat([sr, nack, pli])];
}

/** Transport-wide feedback as browsers send it: runs, one- and two-bit status vectors, large deltas. */
export function twccSeeds(): Buffer[] {
  const small = PacketStatus.TypeTCCPacketReceivedSmallDelta;
  const large = PacketStatus.TypeTCCPacketReceivedLargeDelta;
  const make = (count: number, chunks: (RunLengthChunk | StatusVectorChunk)[], deltas: RecvDelta[]) =>
    new RtcpTransportLayerFeedback({
      feedback: new TransportWideCC({ senderSsrc: 1, mediaSourceSsrc: 2, baseSequenceNumber: 100, packetStatusCount: count, referenceTime: 5, fbPktCount: 1, packetChunks: chunks, recvDeltas: deltas }),
    }).serialize();
  const smallDelta = () => new RecvDelta({ type: small, delta: 250 });
  return [
    make(20, [new RunLengthChunk({ packetStatus: small, runLength: 20 })], Array.from({ length: 20 }, smallDelta)),
    make(17, [new RunLengthChunk({ packetStatus: small, runLength: 3 }), new StatusVectorChunk({ symbolSize: 0, symbolList: [1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1] })], Array.from({ length: 16 }, smallDelta)),
    make(7, [new StatusVectorChunk({ symbolSize: 1, symbolList: [1, 2, 0, 1, 2, 1, 0] })], [smallDelta(), new RecvDelta({ type: large, delta: -1000 }), smallDelta(), new RecvDelta({ type: large, delta: 70_000 }), smallDelta()]),
    make(300, [new RunLengthChunk({ packetStatus: PacketStatus.TypeTCCPacketNotReceived, runLength: 299 }), new RunLengthChunk({ packetStatus: small, runLength: 1 })], [smallDelta()]),
  ];
}

/** RTP packets as browsers send them: one- and two-byte header extensions, CSRCs, padding. */
export function rtpSeeds(): Buffer[] {
  const packet = (header: Partial<RtpHeader>, payload: number) => new RtpPacket(new RtpHeader({ payloadType: 96, sequenceNumber: 7, timestamp: 9, ssrc: 1234, ...header }), Buffer.alloc(payload, 0xab)).serialize();
  return [
    packet({}, 100),
    packet({ marker: true, extensions: [{ id: 1, payload: Buffer.from("0") }, { id: 3, payload: Buffer.from("h") }, { id: 2, payload: Buffer.from([0x12, 0x34, 0x56]) }] }, 1000),
    packet({ csrc: [7, 8], padding: true, paddingSize: 4 }, 20),
    packet({ extensions: [{ id: 20, payload: Buffer.alloc(20, 1) }, { id: 1, payload: Buffer.alloc(0) }], extensionProfile: 0x1000 }, 50),
  ];
}

/** VP8 payloads (RFC 7741 §4.2 descriptor, RFC 6386 §9.1 frame start): keyframe and delta, short and long PictureID. */
export function vp8Seeds(): Buffer[] {
  const keyframe = [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01, 0x00];
  return [
    Buffer.from([0x90, 0xe0, 0x80 | 0x12, 0x34, 0x05, 0x40, ...keyframe]),
    Buffer.from([0x90, 0x80, 0x12, ...keyframe]),
    Buffer.from([0x10, ...keyframe]),
    Buffer.from([0x80, 0xc0, 0x92, 0x34, 0x07, 0x01, 0x00, 0x00]),
    Buffer.from([0x00, 0x01, 0x02]),
  ];
}
