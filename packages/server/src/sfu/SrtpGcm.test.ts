import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, RtpHeader, SrtpSession } from "werift";
import { describe, expect, it } from "vitest";
import { SrtpGcm } from "./SrtpGcm.js";

const keys = (profile: number) => ({
  profile,
  keys: {
    localMasterKey: Buffer.alloc(16, 1),
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

describe("SRTP AES-GCM fast path", () => {
  it("produces the same bytes as werift's encryption, across a sequence-number wrap", () => {
    const reference = new SrtpSession(keys(ProtectionProfileAeadAes128Gcm));
    const fast = new SrtpSession(keys(ProtectionProfileAeadAes128Gcm));
    const gcm = new SrtpGcm();
    for (const { header, payload, ext } of packets()) {
      const expected = reference.encrypt(payload, header);
      expect(gcm.encrypt(fast, header, payload, ext).equals(expected)).toBe(true);
    }
  });

  it("hands other protection profiles to werift", () => {
    const reference = new SrtpSession(keys(ProtectionProfileAes128CmHmacSha1_80));
    const fast = new SrtpSession(keys(ProtectionProfileAes128CmHmacSha1_80));
    const gcm = new SrtpGcm();
    for (const { header, payload, ext } of packets()) {
      expect(gcm.encrypt(fast, header, payload, ext).equals(reference.encrypt(payload, header))).toBe(true);
    }
  });
});
