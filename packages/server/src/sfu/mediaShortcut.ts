import { RTCDtlsTransport, RtpPacket, SrtpAuthenticationError } from "werift";
import { opensNatively } from "./native/SrtpOpen.js";
import { MuxTransport } from "./UdpMux.js";
import { forwardingStats } from "./stats.js";
import type { WeriftEvent } from "./syncEvents.js";

/** An item of a werift event's listener list. */
type Listener = WeriftEvent["event"]["stack"][number];

/** What the shortcut uses of werift's ICE protocol (`StunProtocol`) on a shared-socket transport. */
interface Protocol {
  transport?: unknown;
  localCandidate?: unknown;
  onDataReceived: WeriftEvent;
}

/** What it uses of werift's ICE connection. */
interface Connection {
  protocols?: Protocol[];
  nominated?: { protocol: unknown; packetsReceived: number; bytesReceived: number };
  onData: WeriftEvent;
}

/** What it uses of werift's DTLS transport. */
interface DtlsTransport {
  iceTransport?: { connection?: Connection };
  config: { debug?: { inboundPacketLoss?: number } };
  bytesReceived: number;
  packetsReceived: number;
  srtp: { decrypt(data: Buffer): Buffer };
  onRtp: WeriftEvent;
  startSrtp(): void;
}

/**
 * Where an SRTP packet from a shared-socket transport's remote address goes without werift's
 * receive chain; false: not taken (werift's chain must have it). `borrowed`: `data` is a view
 * the caller reuses after the call (the native receive's arena), taken only when nothing of it
 * outlives the call.
 */
export type MediaSink = (data: Buffer, borrowed: boolean) => boolean;

/**
 * Does for one SRTP packet (first byte 128–191, not RTCP) what werift's receive chain does from
 * a shared-socket transport to the DTLS transport's `onRtp`, as long as that chain is wired as
 * it was when SRTP started: the ICE protocol's `datagramReceived` (not STUN: its
 * `onDataReceived` if it has a local candidate), the ICE connection's listener (the nominated
 * pair's counters, then its `onData`), whose listeners are the ICE transport's filter for DTLS
 * records (nothing for RTP) and the DTLS transport's SRTP handler (its counters, decryption,
 * parsing, `onRtp`). Each step was a closure and an event call; the packet was copied out of the
 * native receive's arena and its sender made into a string first. Any other wiring (a listener
 * added or removed, an event ended, queued listeners, werift's debug packet loss) leaves the
 * packet to werift.
 */
function sinkFor(protocol: Protocol, connection: Connection, dtls: DtlsTransport, iceListener: Listener, srtpListener: Listener): MediaSink {
  const fromProtocol = protocol.onDataReceived;
  const toTransports = connection.onData;
  const connectionListener = fromProtocol.event.stack[0];
  return (data, borrowed) => {
    const first = fromProtocol.event;
    const second = toTransports.event;
    if (
      fromProtocol.ended ||
      first.stack.length !== 1 ||
      first.stack[0] !== connectionListener ||
      first.promiseStack.length !== 0 ||
      toTransports.ended ||
      second.stack.length !== 2 ||
      second.stack[0] !== iceListener ||
      second.stack[1] !== srtpListener ||
      second.promiseStack.length !== 0 ||
      dtls.config.debug?.inboundPacketLoss ||
      (borrowed && !opensNatively(dtls.srtp))
    ) {
      return false;
    }
    forwardingStats.shortcutPackets++;
    // StunProtocol.datagramReceived: a protocol without its local candidate drops data.
    if (!protocol.localCandidate) return true;
    // The connection's listener, with its catch.
    try {
      const pair = connection.nominated;
      if (pair && pair.protocol === protocol) {
        pair.packetsReceived++;
        pair.bytesReceived += data.length;
      }
      // The ICE transport's listener passes only DTLS records (first byte 20–63) on.
      // The DTLS transport's SRTP listener (isMedia, not isRtcp: the caller's checks):
      dtls.bytesReceived += data.length;
      dtls.packetsReceived++;
      let decrypted: Buffer;
      try {
        decrypted = dtls.srtp.decrypt(data);
      } catch (error) {
        if (error instanceof SrtpAuthenticationError) return true;
        throw error;
      }
      let rtp: RtpPacket;
      try {
        rtp = RtpPacket.deSerialize(decrypted);
      } catch {
        return true;
      }
      try {
        dtls.onRtp.execute(rtp);
      } catch {
        // werift logs a listener's error and goes on
      }
    } catch {
      // werift's ICE connection logs it and goes on
    }
    return true;
  };
}

let installed = false;

/**
 * Gives each shared-socket transport of a DTLS transport's ICE connection a {@link MediaSink}
 * when the DTLS transport starts SRTP (werift subscribes its SRTP handler then), for
 * {@link UdpMux} to hand SRTP packets to. Idempotent; call before the first peer connection
 * of the thread, after installSyncMediaEvents (whose wrapper of `startSrtp` then runs first).
 */
export function installMediaShortcut(): void {
  if (installed) return;
  installed = true;
  const proto = RTCDtlsTransport.prototype as unknown as DtlsTransport;
  const start = proto.startSrtp;
  proto.startSrtp = function (this: DtlsTransport) {
    const connection = this.iceTransport?.connection;
    const before = connection?.onData.event.stack.slice();
    start.call(this);
    const after = connection?.onData.event.stack;
    // werift's wiring: the ICE transport's listener, then the SRTP handler startSrtp added.
    if (!connection || !before || !after || before.length !== 1 || after.length !== 2 || after[0] !== before[0]) return;
    for (const protocol of connection.protocols ?? []) {
      if (!(protocol.transport instanceof MuxTransport) || protocol.onDataReceived.event.stack.length !== 1) continue;
      protocol.transport.media = sinkFor(protocol, connection, this, after[0]!, after[1]!);
    }
  };
}
