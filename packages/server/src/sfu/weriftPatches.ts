import { installDtlsRetransmissionFixes } from "./dtlsRetransmission.js";
import { installFastRtpHeaderParser } from "./fastRtpHeader.js";

/**
 * Installs, in this thread, what Confab changes in werift's behaviour: the bounded RTP header
 * parser (fastRtpHeader) and the DTLS retransmission fixes (dtlsRetransmission). Call before
 * creating the first peer connection; idempotent.
 */
export function installWeriftPatches(): void {
  installFastRtpHeaderParser();
  installDtlsRetransmissionFixes();
}
