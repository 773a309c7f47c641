import os from "node:os";
import {
  RTCRtpCodecParameters,
  useAbsSendTime,
  useAudioLevelIndication,
  useFIR,
  useNACK,
  usePLI,
  useREMB,
  useRepairedRtpStreamId,
  useSdesRTPStreamId,
  useSdesMid,
  useTransportWideCC,
  useTWCC,
  type PeerConfig,
  type RTCPeerConnection,
} from "werift";
import type { IceCandidate } from "@confab/protocol";
import type { ServerConfig } from "../config/config.js";
import { sharedPortBind, sharedPortInterfaces } from "./sharedUdpPort.js";

/** Payload types the SFU offers; fixed so forwarding never has to translate them. */
export const VP8_PAYLOAD_TYPE = 96;
export const OPUS_PAYLOAD_TYPE = 111;
/** RTX (RFC 4588) for VP8 on subscriber connections. */
export const RTX_PAYLOAD_TYPE = 97;

/**
 * Codecs the SFU negotiates on both legs: VP8 video, Opus audio (in-band FEC against loss, DTX so
 * silence costs almost nothing); toward subscribers also RTX for VP8. Publishers retransmit on
 * the media stream (werift's receiver asks with NACKs).
 *
 * Transport-wide congestion control (transport-cc) is negotiated on subscriber connections
 * only, where the SFU sends and reads the receiver's feedback (TwccEstimator). On publisher
 * connections werift would generate the feedback, and its feedback made Chrome's estimate
 * collapse to ~100 kbit/s (measured: 320x180 at 30–90 kbit/s target), while with loss-based
 * estimation from RTCP receiver reports Chrome ramps to >1 Mbit/s at 640x360. See
 * docs/decisions/0002.
 */
export function sfuCodecs(role: PeerRole): PeerConfig["codecs"] {
  const twcc = role === "subscriber" ? [useTWCC()] : [];
  // Retransmissions to a receiver go on an RTX stream (RtpWriter), with transport-wide numbers
  // of their own, so the estimator sees them as the sends they are.
  const rtx =
    role === "subscriber"
      ? [new RTCRtpCodecParameters({ mimeType: "video/rtx", clockRate: 90000, payloadType: RTX_PAYLOAD_TYPE, parameters: `apt=${VP8_PAYLOAD_TYPE}` })]
      : [];
  return {
    video: [
      new RTCRtpCodecParameters({
        mimeType: "video/VP8",
        clockRate: 90000,
        payloadType: VP8_PAYLOAD_TYPE,
        rtcpFeedback: [useNACK(), usePLI(), useFIR(), useREMB(), ...twcc],
      }),
      ...rtx,
    ],
    audio: [
      new RTCRtpCodecParameters({
        mimeType: "audio/opus",
        clockRate: 48000,
        channels: 2,
        payloadType: OPUS_PAYLOAD_TYPE,
        parameters: "minptime=10;useinbandfec=1;usedtx=1",
        rtcpFeedback: twcc,
      }),
    ],
  };
}

/** The media settings a peer connection's configuration is made of (bots reuse it without the SFU's limits). */
export type PeerSettings = Omit<ServerConfig["rtc"], "fastpath" | "maxPublishKbps" | "maxPublishPacketsPerSecond" | "publishBurstMs" | "publishCapCooldownMs">;

/**
 * The IPv4 addresses offered as ICE host candidates: the configured ones, or every
 * non-internal interface address plus loopback (so a browser on the same machine works even
 * when it has no other network).
 */
export function hostAddresses(config: PeerSettings): string[] {
  if (config.announcedIps.length > 0) return [...config.announcedIps];
  const found: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.family === "IPv4" && !info.internal) found.push(info.address);
    }
  }
  return [...found, "127.0.0.1"];
}

/**
 * Whether clients' loopback ICE candidates are taken: as configured, else exactly when the SFU
 * offers a loopback host address itself (then its clients, and TURN relays for them, are on
 * this machine too).
 */
export function loopbackCandidatesAllowed(config: ServerConfig["rtc"]): boolean {
  return config.allowLoopbackCandidates ?? hostAddresses(config).some((address) => address.startsWith("127.") || address === "::1");
}

/** Whether an SDP candidate line names one of the allowed addresses. */
export function candidateAllowed(candidate: string, allowed: ReadonlySet<string>): boolean {
  // RFC 8839 §5.1: candidate:<foundation> <component> <transport> <priority> <address> <port> typ ...
  const parts = candidate.replace(/^a=/, "").split(" ");
  const address = parts[4];
  // An SFU never dials out over TCP (RFC 6544 active candidates): only passive ones are offered.
  if (parts[2]?.toLowerCase() === "tcp" && parts[parts.indexOf("tcptype") + 1] !== "passive") return false;
  return address !== undefined && allowed.has(address);
}

/**
 * Without transport-cc a browser's send estimate starts at 300 kbit/s and grows ~8 %/s on
 * loss reports alone: 25 s before a 720p simulcast layer fits. An answer telling it to start
 * at 2 Mbit/s (Chrome's `x-google-start-bitrate`, kbit/s) has all three layers flowing at
 * once; loss above 10 % still brings the browser's estimate down within a report or two.
 */
export const PUBLISHER_START_KBPS = 2000;

/** Adds the VP8 start bitrate to each VP8 payload type of an answer (see PUBLISHER_START_KBPS). */
export function withStartBitrate(sdp: string): string {
  return sdp.replace(/^a=rtpmap:(\d+) VP8\/90000$/gim, (line, pt: string) =>
    sdp.includes(`a=fmtp:${pt} `) ? line : `${line}\r\na=fmtp:${pt} x-google-start-bitrate=${PUBLISHER_START_KBPS}`,
  );
}

/** Removes candidate lines for addresses outside `allowed` from an SDP. */
export function filterSdpCandidates(sdp: string, allowed: ReadonlySet<string>): string {
  return sdp
    .split("\r\n")
    .filter((line) => !line.startsWith("a=candidate:") || candidateAllowed(line, allowed))
    .join("\r\n");
}

/** Which way media flows on an SFU connection, seen from the client. */
export type PeerRole = "publisher" | "subscriber";

/** Header extensions per kind (ids: see {@link unifyExtensionIds}). */
function headerExtensions(role: PeerRole): PeerConfig["headerExtensions"] {
  const mid = useSdesMid();
  const absSendTime = useAbsSendTime();
  if (role === "publisher") {
    return {
      // rid extensions route a publisher's simulcast streams (RFC 8852).
      video: [mid, absSendTime, useSdesRTPStreamId(), useRepairedRtpStreamId()],
      // RFC 6464 audio levels feed the active-speaker detector without decrypting payloads.
      audio: [mid, absSendTime, useAudioLevelIndication()],
    };
  }
  // A subscriber gets one stream per section (no rids), and gives transport-wide feedback.
  const transportCc = useTransportWideCC();
  return {
    video: [mid, absSendTime, transportCc],
    audio: [mid, absSendTime, useAudioLevelIndication(), transportCc],
  };
}

/**
 * Gives each header extension one id across the bundle. werift numbers the audio and the video
 * list one after the other, so an extension of both kinds got two ids; Chrome reads
 * transport-wide sequence numbers with one id per transport, and its feedback then reported
 * every audio packet as lost. Call right after creating the connection.
 */
export function unifyExtensionIds(pc: RTCPeerConnection): void {
  const lists = (pc as unknown as { config: { headerExtensions: Record<string, { uri: string; id: number }[] | undefined> } }).config
    .headerExtensions;
  const ids = new Map<string, number>();
  for (const kind of ["audio", "video"]) {
    for (const extension of lists[kind] ?? []) {
      let id = ids.get(extension.uri);
      if (id === undefined) ids.set(extension.uri, (id = ids.size + 1));
      extension.id = id;
    }
  }
}

/** werift configuration for one SFU peer connection. */
export function peerConfig(config: PeerSettings, role: PeerRole): Partial<PeerConfig> {
  return {
    codecs: sfuCodecs(role),
    headerExtensions: headerExtensions(role),
    // werift's default STUN server is on the internet; the SFU needs none (it has host
    // candidates the clients can reach, or sits behind a configured TURN).
    iceServers: [],
    iceUseIpv4: true,
    iceUseIpv6: false,
    // ICE-TCP: passive candidates only matter (browsers dial out); werift's active ones are
    // never offered (candidateAllowed drops them).
    iceUseTcp: config.iceTcp,
    iceTcpPassive: config.iceTcp,
    iceAdditionalHostAddresses: hostAddresses(config),
    icePortRange: config.portRange,
    // UDP through the thread's one shared socket (sharedUdpPort: RTC_UDP_PORT, else a free port
    // of the range) unless RTC_UDP_SOCKETS=connection; TCP candidates still take ports from the range.
    ...(config.udpSockets === "shared"
      ? { iceInterfaceAddresses: sharedPortInterfaces(sharedPortBind(config), config.udpBufferBytes) }
      : {}),
    bundlePolicy: "max-bundle",
  };
}

/**
 * Calls `deliver` with each local ICE candidate of `pc` whose address is allowed, in wire
 * form (`null` when gathering completes). Candidates on other interfaces are never offered.
 */
export function onAllowedCandidates(
  pc: RTCPeerConnection,
  allowed: ReadonlySet<string>,
  deliver: (candidate: IceCandidate | null) => void,
): void {
  pc.onIceCandidate.subscribe((candidate) => {
    const init = candidate?.toJSON();
    if (init && !candidateAllowed(init.candidate ?? "", allowed)) return;
    deliver(init ? { candidate: init.candidate ?? "", sdpMid: init.sdpMid ?? null, sdpMLineIndex: init.sdpMLineIndex ?? null } : null);
  });
}
