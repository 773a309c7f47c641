import { Buffer } from "node:buffer";
import type { GcmKey, NativeAddon } from "@confab/native";
import { RTCDtlsTransport, SrtpAuthenticationError } from "werift";
import { sealRtcpWithNative } from "./SrtcpSeal.js";

/** The SRTP state werift keeps per SSRC (not in its typed API as used here). */
interface SsrcState {
  ssrc: number;
  rolloverCounter: number;
  lastSequenceNumber: number;
  rolloverHasProcessed?: boolean;
}

/** The parts of werift's SRTP session the native open uses. */
interface WeriftSrtpSession {
  remoteContext: {
    cipher: { srtpSessionKey?: Buffer; srtpSessionSalt?: Buffer; aeadAuthTagLen?: number };
    srtpSSRCStates: Record<number, SsrcState | undefined>;
    updateRolloverCount(sequenceNumber: number, state: SsrcState): void;
  };
  decrypt(data: Buffer): Buffer;
}

const GCM_TAG = 16;
const RTP_HEADER = 12;
const FAILED = "Failed to authenticate SRTP packet";
const FAILED_RTCP = "Failed to authenticate SRTCP packet";

/**
 * Replaces `session.decrypt` (werift's SRTP receive path, which creates a decipher and four
 * buffers per packet) with the addon's open under one context per key, when the session uses
 * AEAD_AES_128_GCM; other profiles keep werift's. The result is the same as werift's: the
 * header and plaintext in a new buffer, or a thrown `SrtpAuthenticationError`, after which
 * werift drops the packet. The rollover counter is werift's own per-SSRC state, advanced as
 * werift does and only when the packet authenticates (RFC 3711 §3.3.1). Returns whether it did.
 */
export function openWithNative(session: unknown, addon: NativeAddon): boolean {
  const s = session as WeriftSrtpSession;
  const remote = s.remoteContext;
  const { srtpSessionKey: rawKey, srtpSessionSalt: salt, aeadAuthTagLen } = remote.cipher;
  // werift's session salt is 14 bytes for GCM too; the IV uses the first 12 (RFC 7714 §8.1).
  if (aeadAuthTagLen !== GCM_TAG || rawKey?.length !== 16 || !salt || salt.length < 12) return false;
  const key: GcmKey = addon.gcmKey(rawKey);
  const iv = Buffer.alloc(12);
  nativeSessions.add(s);
  s.decrypt = (data: Buffer): Buffer => {
    const length = data.length;
    const headerLength = authenticatedHeaderLength(data);
    if (headerLength < 0) throw new SrtpAuthenticationError(FAILED);
    const ssrc = data.readUInt32BE(8);
    const seq = data.readUInt16BE(2);
    const known = remote.srtpSSRCStates[ssrc];
    const state = known ?? { ssrc, rolloverCounter: 0, lastSequenceNumber: 0 };
    const { rolloverCounter, lastSequenceNumber, rolloverHasProcessed } = state;
    remote.updateRolloverCount(seq, state);
    // RFC 7714 §8.1: IV = (0x0000 ‖ SSRC ‖ ROC ‖ SEQ) XOR salt.
    iv.writeUInt16BE(0, 0);
    iv.writeUInt32BE(ssrc, 2);
    iv.writeUInt32BE(state.rolloverCounter >>> 0, 6);
    iv.writeUInt16BE(seq, 10);
    for (let i = 0; i < 12; i++) iv[i]! ^= salt[i]!;
    const out = Buffer.allocUnsafe(length - GCM_TAG);
    const n = addon.open(key, iv, data, headerLength, out, 0);
    if (n < 0 || !paddingFits(out, headerLength)) {
      state.rolloverCounter = rolloverCounter;
      state.lastSequenceNumber = lastSequenceNumber;
      state.rolloverHasProcessed = rolloverHasProcessed;
      throw new SrtpAuthenticationError(FAILED);
    }
    if (!known) remote.srtpSSRCStates[ssrc] = state;
    return out;
  };
  return true;
}

/** SRTP sessions whose `decrypt` is the native open. */
const nativeSessions = new WeakSet<object>();

/**
 * Whether `session`'s decryption is the native open: it reads the packet and returns a new
 * buffer, keeping nothing of the packet's memory (werift's own may keep views of it).
 */
export function opensNatively(session: unknown): boolean {
  return typeof session === "object" && session !== null && nativeSessions.has(session);
}

/**
 * Where the authenticated-but-clear part of an SRTP packet ends (RFC 3550 §5.1: fixed
 * header, CSRCs, extension), or -1 when the packet is too short for it and its tag.
 */
export function authenticatedHeaderLength(data: Buffer): number {
  const limit = data.length - GCM_TAG;
  if (limit < RTP_HEADER || data[0]! >> 6 !== 2) return -1;
  let end = RTP_HEADER + 4 * (data[0]! & 0x0f);
  if (data[0]! & 0x10) {
    if (end + 4 > limit) return -1;
    end += 4 + 4 * data.readUInt16BE(end + 2);
  }
  return end <= limit ? end : -1;
}

/** werift's check of an authenticated packet's padding count (RFC 3550 §5.1). */
function paddingFits(packet: Buffer, headerLength: number): boolean {
  if (!(packet[0]! & 0x20)) return true;
  const padding = packet.length > headerLength ? packet[packet.length - 1]! : 0;
  return padding > 0 && padding <= packet.length - headerLength;
}

/** The parts of werift's SRTCP session the native open uses. */
interface WeriftSrtcpSession {
  remoteContext: { cipher: { srtcpSessionKey?: Buffer; srtcpSessionSalt?: Buffer; aeadAuthTagLen?: number } };
  decrypt(data: Buffer): Buffer;
}

/** RFC 3711 §3.4: the E flag and 31-bit SRTCP index after the tag; RTCP's fixed header. */
const SRTCP_INDEX = 4;
const RTCP_HEADER = 8;

/**
 * Replaces `session.decrypt` of werift's SRTCP session (a decipher and four buffers per packet:
 * every receiver's feedback and reports) with the addon's open, when the session uses
 * AEAD_AES_128_GCM (RFC 7714 §9): the same result as werift's — the RTCP packet in the clear in
 * a new buffer, or a thrown `SrtpAuthenticationError` (werift then drops the packet). The
 * additional authenticated data (header, then E flag and index from after the tag) is put in
 * front of the ciphertext in a scratch buffer, so the addon sees one contiguous packet.
 * Returns whether it did.
 */
export function openRtcpWithNative(session: unknown, addon: NativeAddon): boolean {
  const s = session as WeriftSrtcpSession;
  const { srtcpSessionKey: rawKey, srtcpSessionSalt: salt, aeadAuthTagLen } = s.remoteContext.cipher;
  if (aeadAuthTagLen !== GCM_TAG || rawKey?.length !== 16 || !salt || salt.length < 12) return false;
  const key: GcmKey = addon.gcmKey(rawKey);
  const iv = Buffer.alloc(12);
  let scratch = Buffer.alloc(0);
  let opened = Buffer.alloc(0);
  s.decrypt = (data: Buffer): Buffer => {
    const length = data.length;
    if (length < RTCP_HEADER + GCM_TAG + SRTCP_INDEX) throw new SrtpAuthenticationError(FAILED_RTCP);
    const indexAt = length - SRTCP_INDEX;
    const tagAt = indexAt - GCM_TAG;
    const word = data.readUInt32BE(indexAt);
    // E = 0: nothing is encrypted, everything before the tag is authenticated data.
    const clearEnd = word >>> 31 === 1 ? RTCP_HEADER : tagAt;
    // RFC 7714 §9.1: IV = (0x0000 ‖ SSRC ‖ 0x0000 ‖ 0 ‖ SRTCP index) XOR salt.
    iv.writeUInt16BE(0, 0);
    iv.writeUInt32BE(data.readUInt32BE(4), 2);
    iv.writeUInt16BE(0, 6);
    iv.writeUInt32BE((word & 0x7fffffff) >>> 0, 8);
    for (let i = 0; i < 12; i++) iv[i]! ^= salt[i]!;
    // Scratch: clear part ‖ E and index ‖ ciphertext ‖ tag; the addon authenticates the first
    // clearEnd + 4 bytes and opens the rest into `opened`.
    if (scratch.length < length) {
      scratch = Buffer.allocUnsafe(Math.max(length, 1500));
      opened = Buffer.allocUnsafe(scratch.length);
    }
    data.copy(scratch, 0, 0, clearEnd);
    data.copy(scratch, clearEnd, indexAt, length);
    data.copy(scratch, clearEnd + SRTCP_INDEX, clearEnd, indexAt);
    const n = addon.open(key, iv, scratch.subarray(0, length), clearEnd + SRTCP_INDEX, opened, 0);
    if (n < 0) throw new SrtpAuthenticationError(FAILED_RTCP);
    const out = Buffer.allocUnsafe(tagAt);
    data.copy(out, 0, 0, clearEnd);
    opened.copy(out, clearEnd, clearEnd + SRTCP_INDEX, clearEnd + SRTCP_INDEX + (tagAt - clearEnd));
    return out;
  };
  return true;
}

let installed: NativeAddon | undefined;

/**
 * Makes every DTLS transport of this thread open its SRTP and SRTCP, and seal its SRTCP
 * (SrtcpSeal), with `addon` once DTLS has exported the keys (werift's `updateSrtpSession`);
 * werift keeps ICE and DTLS. Idempotent.
 */
export function installNativeOpen(addon: NativeAddon): void {
  if (installed) return;
  installed = addon;
  const proto = RTCDtlsTransport.prototype as unknown as { updateSrtpSession(this: { srtp: unknown; srtcp: unknown }): void };
  const update = proto.updateSrtpSession;
  proto.updateSrtpSession = function (this: { srtp: unknown; srtcp: unknown }) {
    update.call(this);
    openWithNative(this.srtp, addon);
    openRtcpWithNative(this.srtcp, addon);
    sealRtcpWithNative(this.srtcp, addon);
  };
}
