import { Buffer } from "node:buffer";
import { createCipheriv } from "node:crypto";
import type { GcmKey } from "@confab/native";
import type { RtpHeader } from "werift";
import type { NativePath } from "./native/fastPath.js";

/** The parts of werift's SRTP session this fast path uses (not in werift's typed API). */
interface WeriftSrtpSession {
  localContext: {
    cipher: { srtpSessionKey?: Buffer; srtpSessionSalt?: Buffer; aeadAuthTagLen?: number };
    getSrtpSsrcState(ssrc: number): { rolloverCounter: number };
    updateRolloverCount(sequenceNumber: number, state: { rolloverCounter: number }): void;
  };
  encrypt(payload: Buffer, header: RtpHeader): Buffer;
}

/** The header this path writes: 12 bytes, plus one 1-byte-header extension block of up to 4 bytes. */
const MAX_HEADER = 20;
const GCM_TAG = 16;

/**
 * SRTP AEAD_AES_128_GCM encryption of one RTP packet (RFC 7714) without werift's per-packet
 * objects: the header is written straight into a reused buffer (no RtpHeader.serialize, no
 * bit writers), the IV into another, and the packet is assembled in one pooled allocation
 * (werift allocates the header, the IV and a concatenation per packet). The rollover counter
 * stays werift's (the same per-SSRC state), so both paths can be used on one session. Any
 * other profile (AES-CM + HMAC-SHA1) goes through werift.
 *
 * With a {@link NativePath}, the packet is sealed by the addon with one OpenSSL context per
 * key (only the IV changes) straight into the thread's send batch, and the result is a view of
 * that batch's arena: send it (or copy it) before the next encryption. Without, Node's crypto
 * creates a context and three buffers per packet.
 */
export class SrtpGcm {
  private readonly header = Buffer.alloc(MAX_HEADER);
  /** The header without and with its extension block, as views made once (not one a packet). */
  private readonly header12 = this.header.subarray(0, 12);
  private readonly header20 = this.header.subarray(0, 20);
  private readonly iv = Buffer.alloc(12);
  /**
   * werift's rollover state of the last SSRC sealed, and the context it came from: a writer
   * seals one SSRC (its RTX SSRC now and then), and werift keeps the states in an object keyed
   * by SSRC, where an SSRC above 2^30 is a heap number made into a string key at every lookup.
   */
  private stateContext: unknown;
  private stateSsrc = -1;
  private state: { rolloverCounter: number } | undefined;
  /**
   * The session key and salt of the last local context used, when its cipher is AES-GCM with a
   * 16-byte tag (else undefined: werift seals). werift makes a context once per `start` of its
   * session and never changes its cipher, so they are read again only when the context changes.
   */
  private keysContext: unknown;
  private sessionKey: Buffer | undefined;
  private sessionSalt: Buffer | undefined;
  /** The native context of the last key used (a writer's key changes only with its transport). */
  private keyOf: Buffer | undefined;
  private key: GcmKey | undefined;

  /** `native`: the thread's native path; undefined for Node's crypto. */
  constructor(private readonly native?: NativePath) {}

  /** Encrypts with `session`; the header is given field by field. Throws as werift would. */
  encrypt(
    session: unknown,
    h: RtpHeader,
    payload: Buffer,
    extension: { id: number; payload: Buffer } | undefined,
  ): Buffer {
    const s = session as WeriftSrtpSession;
    const context = s.localContext;
    if (context !== this.keysContext) {
      const cipher = context.cipher;
      const gcm = cipher.aeadAuthTagLen === GCM_TAG && cipher.srtpSessionKey && cipher.srtpSessionSalt;
      this.sessionKey = gcm ? cipher.srtpSessionKey : undefined;
      this.sessionSalt = gcm ? cipher.srtpSessionSalt : undefined;
      this.keysContext = context;
    }
    const key = this.sessionKey;
    const salt = this.sessionSalt;
    if (!key || !salt || (extension && extension.payload.length > 3)) return s.encrypt(payload, h);
    let state = this.state;
    if (state === undefined || context !== this.stateContext || h.ssrc !== this.stateSsrc) {
      state = this.state = context.getSrtpSsrcState(h.ssrc);
      this.stateContext = context;
      this.stateSsrc = h.ssrc;
    }
    context.updateRolloverCount(h.sequenceNumber, state);
    // Byte stores, not Buffer#writeUInt*BE: those are calls with range checks, eight a packet.
    const hdr = this.header;
    const seq = h.sequenceNumber;
    const ts = h.timestamp;
    const ssrc = h.ssrc;
    hdr[0] = 0x80 | (h.padding ? 0x20 : 0) | (extension ? 0x10 : 0);
    hdr[1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
    hdr[2] = seq >>> 8;
    hdr[3] = seq;
    hdr[4] = ts >>> 24;
    hdr[5] = ts >>> 16;
    hdr[6] = ts >>> 8;
    hdr[7] = ts;
    hdr[8] = ssrc >>> 24;
    hdr[9] = ssrc >>> 16;
    hdr[10] = ssrc >>> 8;
    hdr[11] = ssrc;
    let length = 12;
    if (extension) {
      // RFC 8285 one-byte form: 0xBEDE, length 1 word, then id/len, data, zero padding.
      hdr[12] = 0xbe;
      hdr[13] = 0xde;
      hdr[14] = 0;
      hdr[15] = 1;
      const data = extension.payload;
      hdr[16] = (extension.id << 4) | (data.length - 1);
      hdr[17] = 0;
      hdr[18] = 0;
      hdr[19] = 0;
      // At most 3 bytes: a byte loop, not Buffer#copy (a TypedArray#set call per packet).
      for (let i = 0; i < data.length; i++) hdr[17 + i] = data[i]!;
      length = 20;
    }
    // RFC 7714 §8.1: IV = (0x0000 ‖ SSRC ‖ ROC ‖ SEQ) XOR salt.
    const iv = this.iv;
    const roc = state.rolloverCounter;
    iv[0] = salt[0]!;
    iv[1] = salt[1]!;
    iv[2] = (ssrc >>> 24) ^ salt[2]!;
    iv[3] = (ssrc >>> 16) ^ salt[3]!;
    iv[4] = (ssrc >>> 8) ^ salt[4]!;
    iv[5] = ssrc ^ salt[5]!;
    iv[6] = (roc >>> 24) ^ salt[6]!;
    iv[7] = (roc >>> 16) ^ salt[7]!;
    iv[8] = (roc >>> 8) ^ salt[8]!;
    iv[9] = roc ^ salt[9]!;
    iv[10] = (seq >>> 8) ^ salt[10]!;
    iv[11] = seq ^ salt[11]!;
    const header = length === 12 ? this.header12 : this.header20;
    const native = this.native;
    if (native) {
      if (key !== this.keyOf) {
        this.key = nativeKey(native, key);
        this.keyOf = key;
      }
      const batch = native.batch;
      const offset = batch.room(length + payload.length + GCM_TAG);
      const n = native.addon.seal(this.key!, iv, header, payload, batch.data, offset);
      return batch.claimView(offset, n);
    }
    const cipher = createCipheriv("aes-128-gcm", key, iv);
    cipher.setAAD(header);
    const encrypted = cipher.update(payload);
    cipher.final();
    const tag = cipher.getAuthTag();
    const out = Buffer.allocUnsafe(length + encrypted.length + GCM_TAG);
    header.copy(out, 0);
    encrypted.copy(out, length);
    tag.copy(out, length + encrypted.length);
    return out;
  }
}

/** One native context per SRTP session key, shared by every writer using that key. */
const nativeKeys = new WeakMap<Buffer, GcmKey>();

function nativeKey(native: NativePath, key: Buffer): GcmKey {
  let context = nativeKeys.get(key);
  if (!context) {
    context = native.addon.gcmKey(key);
    nativeKeys.set(key, context);
  }
  return context;
}
