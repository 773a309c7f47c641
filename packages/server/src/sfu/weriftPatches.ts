import { installDtlsRetransmissionFixes } from "./dtlsRetransmission.js";
import { installFastReceive } from "./fastReceive.js";
import { installFastRtcp } from "./fastRtcp.js";
import { installFastRtpHeaderParser } from "./fastRtpHeader.js";
import { installIceTcpSendFix } from "./iceTcpSend.js";
import { installIceRequestGuard } from "./iceRequestGuard.js";
import { installNoDefaultStunServer } from "./noDefaultStunServer.js";
import { installRtcpBounds } from "./rtcpBounds.js";
import { DEFAULT_UDP_BUFFER_BYTES } from "../config/config.js";
import { installUdpSocketTuning } from "./udpSockets.js";
import { installSharedUdpPort } from "./sharedUdpPort.js";
import { installSyncMediaEvents } from "./syncEvents.js";
import { installMediaShortcut } from "./mediaShortcut.js";

/**
 * Installs, in this thread, what Confab changes in werift's behaviour:
 * - the bounded RTP header parser (fastRtpHeader);
 * - the receive path without per-packet allocations (fastReceive);
 * - the bounded RTCP parser (rtcpBounds), and RTCP headers and transport-wide feedback read
 *   without werift's bit-string helpers (fastRtcp);
 * - the DTLS retransmission fixes (dtlsRetransmission);
 * - STUN requests answered only when authenticated with our ICE credentials (iceRequestGuard);
 * - ICE-TCP sends that drop a packet instead of rejecting when the browser closed its
 *   connection (iceTcpSend);
 * - no STUN server but a configured one (noDefaultStunServer: werift asks Google's otherwise);
 * - the tuning of its UDP sockets (udpSockets: `udpBufferBytes` of kernel buffer each, 0 for
 *   the kernel's default);
 * - the shared media port for connections configured with one (sharedUdpPort, `RTC_UDP_PORT`);
 * - the events every media packet goes through, without a promise each (syncEvents);
 * - SRTP packets from the shared socket handed to decryption without werift's ICE and DTLS
 *   dispatch (mediaShortcut).
 * Call before creating the first peer connection; idempotent.
 */
export function installWeriftPatches(udpBufferBytes: number = DEFAULT_UDP_BUFFER_BYTES): void {
  installFastRtpHeaderParser();
  installFastReceive();
  installRtcpBounds();
  installFastRtcp();
  installDtlsRetransmissionFixes();
  installIceRequestGuard();
  installIceTcpSendFix();
  installNoDefaultStunServer();
  installUdpSocketTuning(udpBufferBytes);
  installSharedUdpPort();
  installSyncMediaEvents();
  installMediaShortcut();
}
