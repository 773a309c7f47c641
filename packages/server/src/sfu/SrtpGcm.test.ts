import { loadNative } from "@confab/native";
import fc from "fast-check";
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, RtpHeader, SrtpSession } from "werift";
import { describe, expect, it } from "vitest";
import { SendBatch } from "./native/SendBatch.js";
import type { NativePath } from "./native/fastPath.js";
import { SrtpGcm } from "./SrtpGcm.js";

const keys = (profile: number, key = Buffer.alloc(16, 1)) => ({
  profile,
  keys: {
    localMasterKey: key,
    localMasterSalt: Buffer.alloc(profile === ProtectionProfileAeadAes128Gcm ? 12 : 14, 2),
    remoteMasterKey: Buffer.alloc(16, 3),
    remoteMasterSalt: Buffer.alloc(profile === ProtectionProfileAeadAes128Gcm ? 12 : 14, 4),
  },
});

/** Packets across a sequence-number wrap (the rollover counter must advance), with and without an extension or padding. */
function packets(): { header: RtpHeader; payload: Buffer; ext?: { id: number; payload: Buffer } }[] {
  return [65_533, 65_534, 65_535, 0, 1].map((sequenceNumber, i) => {
    const ext = i % 2 === 0 ? { id: 3, payload: Buffer.from([i, 0x55]) } : undefined;
    const header = new RtpHeader({ ssrc: 0x1234abcd, payloadType: 96, marker: i === 2, padding: i === 4, sequenceNumber, timestamp: 0xfffffff0 + i, extensions: ext ? [ext] : [] });
    const payload = i === 4 ? Buffer.from([0, 0, 0, 4]) : Buffer.alloc(100 + i, i);
    return { header, payload, ext };
  });
}

const addon = loadNative().addon;
/** Both paths: Node's crypto, and the addon when it is built. */
const paths: [string, () => NativePath | undefined][] = [["js", () => undefined]];
if (addon) paths.push(["native", () => ({ addon, batch: new SendBatch(addon) })]);

describe.each(paths)("SRTP AES-GCM fast path (%s)", (_name, native) => {
  it("seals the RFC 7714 §16.1.1 packet into its published protected form", () => {
    const hex = (h: string) => Buffer.from(h, "hex");
    const session = new SrtpSession(keys(ProtectionProfileAeadAes128Gcm));
    // The RFC gives session keys; werift derives them, so they are set as DTLS would have.
    const cipher = (session as unknown as { localContext: { cipher: { srtpSessionKey: Buffer; srtpSessionSalt: Buffer } } }).localContext.cipher;
    cipher.srtpSessionKey = hex("000102030405060708090a0b0c0d0e0f");
    cipher.srtpSessionSalt = hex("517569642070726f2071756f0000"); // werift's salt is 14 bytes; the IV uses 12
    const header = new RtpHeader({ payloadType: 0x40, sequenceNumber: 0xf17b, timestamp: 0x8041f8d3, ssrc: 0x5501a0b2, extensions: [] });
    const payload = hex("47616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573");
    const sealed = new SrtpGcm(native()).encrypt(session, header, payload, undefined);
    expect(sealed.toString("hex")).toBe(
      "8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833899d7f27beb16a9152cf765ee4390cce",
    );
  });

  it("produces the same bytes as werift's encryption, across a sequence-number wrap", () => {
    const reference = new SrtpSession(keys(ProtectionProfileAeadAes128Gcm));
    const fast = new SrtpSession(keys(ProtectionProfileAeadAes128Gcm));
    const gcm = new SrtpGcm(native());
    for (const { header, payload, ext } of packets()) {
      const expected = reference.encrypt(payload, header);
      expect(gcm.encrypt(fast, header, payload, ext).equals(expected)).toBe(true);
    }
  });

  it("keeps each SSRC's rollover counter when one writer interleaves two SSRCs (media and RTX) across wraps, as werift does", () => {
    const reference = new SrtpSession(keys(ProtectionProfileAeadAes128Gcm));
    const fast = new SrtpSession(keys(ProtectionProfileAeadAes128Gcm));
    const gcm = new SrtpGcm(native());
    const media = packets();
    // The RTX stream wraps at another point than the media stream.
    const rtx = packets().map(({ header }, i) => ({
      header: new RtpHeader({ ...header, ssrc: 0x9000_0001, payloadType: 97, sequenceNumber: (header.sequenceNumber + 2) & 0xffff, extensions: [] }),
      payload: Buffer.alloc(60 + i, 7),
      ext: undefined,
    }));
    for (let i = 0; i < media.length; i++) {
      for (const { header, payload, ext } of [media[i]!, rtx[i]!, rtx[i]!]) {
        const expected = reference.encrypt(payload, header);
        expect(gcm.encrypt(fast, header, payload, ext).equals(expected)).toBe(true);
      }
    }
  });

  it("follows a session restarted with new keys, or with another profile, on the same writer", () => {
    const fast = new SrtpSession(keys(ProtectionProfileAeadAes128Gcm));
    const gcm = new SrtpGcm(native());
    const [first, second] = packets();
    gcm.encrypt(fast, first!.header, first!.payload, first!.ext);
    const restart = (profile: number, key: Buffer<ArrayBuffer>) => {
      const { keys: k } = keys(profile, key);
      (fast as unknown as { start(...args: unknown[]): void }).start(k.localMasterKey, k.localMasterSalt, k.remoteMasterKey, k.remoteMasterSalt, profile);
      return new SrtpSession(keys(profile, key));
    };
    for (const profile of [ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, ProtectionProfileAeadAes128Gcm]) {
      const reference = restart(profile, Buffer.alloc(16, profile + 9));
      expect(gcm.encrypt(fast, second!.header, second!.payload, second!.ext).equals(reference.encrypt(second!.payload, second!.header))).toBe(true);
    }
  });

  it("hands other protection profiles to werift", () => {
    const reference = new SrtpSession(keys(ProtectionProfileAes128CmHmacSha1_80));
    const fast = new SrtpSession(keys(ProtectionProfileAes128CmHmacSha1_80));
    const gcm = new SrtpGcm(native());
    for (const { header, payload, ext } of packets()) {
      expect(gcm.encrypt(fast, header, payload, ext).equals(reference.encrypt(payload, header))).toBe(true);
    }
  });

  it("agrees with werift for random keys, header fields and payload lengths", () => {
    const gcm = new SrtpGcm(native());
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.record({ ssrc: fc.nat(0xffffffff), sequenceNumber: fc.nat(0xffff), timestamp: fc.nat(0xffffffff), payloadType: fc.nat(127), marker: fc.boolean() }),
        fc.uint8Array({ maxLength: 1400 }),
        fc.option(fc.uint8Array({ minLength: 1, maxLength: 3 })),
        (key, fields, payload, extension) => {
          const ext = extension ? { id: 5, payload: Buffer.from(extension) } : undefined;
          const header = new RtpHeader({ ...fields, extensions: ext ? [ext] : [] });
          const expected = new SrtpSession(keys(ProtectionProfileAeadAes128Gcm, Buffer.from(key))).encrypt(Buffer.from(payload), header);
          const fast = new SrtpSession(keys(ProtectionProfileAeadAes128Gcm, Buffer.from(key)));
          expect(gcm.encrypt(fast, header, Buffer.from(payload), ext).equals(expected)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});
