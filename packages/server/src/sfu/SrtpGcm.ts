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
    const cipherState = s.localContext.cipher;
    const key = cipherState.srtpSessionKey;
    const salt = cipherState.srtpSessionSalt;
    if (cipherState.aeadAuthTagLen !== GCM_TAG || !key || !salt || (extension && extension.payload.length > 3)) {
      return s.encrypt(payload, h);
    }
    const context = s.localContext;
    let state = this.state;
    if (state === undefined || context !== this.stateContext || h.ssrc !== this.stateSsrc) {
      state = this.state = context.getSrtpSsrcState(h.ssrc);
      this.stateContext = context;
      this.stateSsrc = h.ssrc;
    }
    context.updateRolloverCount(h.sequenceNumber, state);
    const hdr = this.header;
    hdr[0] = 0x80 | (h.padding ? 0x20 : 0) | (extension ? 0x10 : 0);
    hdr[1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
    hdr.writeUInt16BE(h.sequenceNumber, 2);
    hdr.writeUInt32BE(h.timestamp >>> 0, 4);
    hdr.writeUInt32BE(h.ssrc >>> 0, 8);
    let length = 12;
    if (extension) {
      // RFC 8285 one-byte form: 0xBEDE, length 1 word, then id/len, data, zero padding.
      hdr.writeUInt32BE(0xbede0001, 12);
      hdr.writeUInt32BE(0, 16);
      const data = extension.payload;
      hdr[16] = (extension.id << 4) | (data.length - 1);
      // At most 3 bytes: a byte loop, not Buffer#copy (a TypedArray#set call per packet).
      for (let i = 0; i < data.length; i++) hdr[17 + i] = data[i]!;
      length = 20;
    }
    // RFC 7714 §8.1: IV = (0x0000 ‖ SSRC ‖ ROC ‖ SEQ) XOR salt.
    const iv = this.iv;
    iv.writeUInt16BE(0, 0);
    iv.writeUInt32BE(h.ssrc >>> 0, 2);
    iv.writeUInt32BE(state.rolloverCounter >>> 0, 6);
    iv.writeUInt16BE(h.sequenceNumber, 10);
    for (let i = 0; i < 12; i++) iv[i]! ^= salt[i]!;
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
