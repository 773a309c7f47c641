import { pathFromStats, type ConnectionPath } from "./connectionPath.js";
import { ClientError } from "./errors.js";
import { SignalingClient, signalingUrl, type WebSocketFactory } from "./SignalingClient.js";

/** What the lobby's connectivity test found. */
export interface ProbeResult {
  /** Time to open the signaling socket and complete the handshake, ms. */
  signalingMs: number;
  /** Time from sending the offer to the media connection being up (ICE pair + DTLS), ms. */
  mediaMs: number;
  /** The direct path that worked (udp, or tcp with ICE-TCP), when the browser says. */
  path: ConnectionPath | undefined;
}

export interface ProbeOptions {
  serverUrl: string;
  WebSocket?: WebSocketFactory;
  RTCPeerConnection?: typeof RTCPeerConnection;
  /** ICE servers to use (e.g. TURN); none by default, like the server's default. */
  iceServers?: RTCIceServer[];
  timeoutMs?: number;
}

/** Resolves when `pc` has gathered its candidates (or after `ms`). */
function gathered(pc: RTCPeerConnection, ms: number): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/**
 * The lobby's self-test: is signaling reachable, and does a media connection to the SFU come
 * up (ICE finds a candidate pair, DTLS completes)? Uses a throw-away connection with one data
 * channel; joins no room. Rejects with a ClientError saying which step failed.
 */
export async function probeConnectivity(options: ProbeOptions): Promise<ProbeResult> {
  const WebSocketImpl = options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketFactory);
  const PeerConnection = options.RTCPeerConnection ?? globalThis.RTCPeerConnection;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const signaling = new SignalingClient(signalingUrl(options.serverUrl), WebSocketImpl, "confab-probe/0.1.0");
  const pc = new PeerConnection({ iceServers: options.iceServers ?? [] });
  try {
    const t0 = performance.now();
    await signaling.connect(timeoutMs);
    const signalingMs = performance.now() - t0;
    pc.createDataChannel("probe");
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc, 2000);
    const t1 = performance.now();
    const answer = new Promise<string>((resolve, reject) => {
      signaling.events.on("message", (m) => {
        if (m.type === "probe") resolve(m.sdp);
        else if (m.type === "error" && m.inReplyTo === "probe") reject(new ClientError(m.code, m.message));
      });
    });
    signaling.send({ type: "probe", sdp: pc.localDescription!.sdp });
    const connected = new Promise<void>((resolve, reject) => {
      pc.addEventListener("connectionstatechange", () => {
        if (pc.connectionState === "connected") resolve();
        if (pc.connectionState === "failed") reject(new ClientError("MEDIA_FAILED", "no media path to the server (ICE failed)"));
      });
    });
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new ClientError("MEDIA_FAILED", "no media path to the server within the time limit")), timeoutMs),
    );
    await pc.setRemoteDescription({ type: "answer", sdp: await Promise.race([answer, timeout]) });
    await Promise.race([connected, timeout]);
    const mediaMs = Math.round(performance.now() - t1);
    const path = pathFromStats(await pc.getStats());
    return { signalingMs: Math.round(signalingMs), mediaMs, path };
  } finally {
    pc.close();
    signaling.close();
  }
}
