import { Buffer } from "node:buffer";
import type { GcmKey, NativeAddon } from "@confab/native";

/** The parts of werift's SRTCP session the native seal uses. */
interface WeriftSrtcpSession {
  localContext: {
    cipher: { srtcpSessionKey?: Buffer; srtcpSessionSalt?: Buffer; aeadAuthTagLen?: number };
    getSrtcpSsrcState(ssrc: number): { srtcpIndex: number };
  };
  encrypt(rawRtcp: Buffer): Buffer;
}

const GCM_TAG = 16;
/** RFC 3711 §3.4: the E flag and 31-bit SRTCP index after the tag; RTCP's fixed header. */
const SRTCP_INDEX = 4;
const RTCP_HEADER = 8;

/**
 * Replaces `session.encrypt` of werift's SRTCP session (a cipher context, and a dozen buffers
 * from its bit writers and concatenations, per packet: every sender report, receiver report,
 * NACK, keyframe request and transport-wide feedback the SFU sends) with the addon's seal,
 * when the session uses AEAD_AES_128_GCM (RFC 7714 §9): the same bytes as werift's, from
 * werift's own per-SSRC index, advanced as werift does (wrapping to 0 at 2^31). A packet
 * shorter than RTCP's fixed header throws a RangeError, as werift's does. Returns whether it
 * did.
 */
export function sealRtcpWithNative(session: unknown, addon: NativeAddon): boolean {
  const s = session as WeriftSrtcpSession;
  const local = s.localContext;
  const { srtcpSessionKey: rawKey, srtcpSessionSalt: salt, aeadAuthTagLen } = local.cipher;
  if (aeadAuthTagLen !== GCM_TAG || rawKey?.length !== 16 || !salt || salt.length < 12) return false;
  const key: GcmKey = addon.gcmKey(rawKey);
  const iv = Buffer.alloc(12);
  // The authenticated data: the fixed header, then the E flag and index (RFC 7714 §9.2).
  const aad = Buffer.alloc(RTCP_HEADER + SRTCP_INDEX);
  let sealed = Buffer.alloc(0);
  s.encrypt = (raw: Buffer): Buffer => {
    const ssrc = raw.readUInt32BE(4);
    const state = local.getSrtcpSsrcState(ssrc);
    state.srtcpIndex++;
    // werift: `index >> maxSRTCPIndex`, a shift by 31: the index wraps to 0 past 2^31 − 1.
    if (state.srtcpIndex >> 31) state.srtcpIndex = 0;
    const index = state.srtcpIndex;
    // RFC 7714 §9.1: IV = (0x0000 ‖ SSRC ‖ 0x0000 ‖ 0 ‖ SRTCP index) XOR salt.
    iv.fill(0);
    iv.writeUInt32BE(ssrc, 2);
    iv.writeUInt32BE(index >>> 0, 8);
    for (let i = 0; i < 12; i++) iv[i]! ^= salt[i]!;
    raw.copy(aad, 0, 0, RTCP_HEADER);
    aad.writeUInt32BE((index | 0x80000000) >>> 0, RTCP_HEADER);
    const body = raw.length - RTCP_HEADER;
    if (sealed.length < aad.length + body + GCM_TAG) sealed = Buffer.allocUnsafe(Math.max(aad.length + body + GCM_TAG, 1500));
    // The addon writes aad ‖ ciphertext ‖ tag; SRTCP is header ‖ ciphertext ‖ tag ‖ E and index.
    const n = addon.seal(key, iv, aad, raw.subarray(RTCP_HEADER), sealed, 0);
    const out = Buffer.allocUnsafe(n);
    sealed.copy(out, 0, 0, RTCP_HEADER);
    sealed.copy(out, RTCP_HEADER, aad.length, n);
    aad.copy(out, n - SRTCP_INDEX, RTCP_HEADER);
    return out;
  };
  return true;
}
