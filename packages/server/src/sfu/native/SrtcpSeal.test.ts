import { loadNative } from "@confab/native";
import fc from "fast-check";
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, SrtcpSession } from "werift";
import { describe, expect, it } from "vitest";
import { sealRtcpWithNative } from "./SrtcpSeal.js";

const addon = loadNative().addon;

/** Two identical senders' SRTCP sessions (one to be sealed natively) and their receiver's. */
function sessions(profile: number = ProtectionProfileAeadAes128Gcm) {
  const salt = (n: number) => Buffer.alloc(profile === ProtectionProfileAeadAes128Gcm ? 12 : 14, n);
  const a = { key: Buffer.alloc(16, 3), salt: salt(4) };
  const b = { key: Buffer.alloc(16, 5), salt: salt(6) };
  const sender = () => new SrtcpSession({ profile, keys: { localMasterKey: a.key, localMasterSalt: a.salt, remoteMasterKey: b.key, remoteMasterSalt: b.salt } });
  const receiver = new SrtcpSession({ profile, keys: { localMasterKey: b.key, localMasterSalt: b.salt, remoteMasterKey: a.key, remoteMasterSalt: a.salt } });
  return { werift: sender(), native: sender(), receiver };
}

type Index = { localContext: { getSrtcpSsrcState(ssrc: number): { srtcpIndex: number } } };

/** What `encrypt` gives, or the kind of error it throws. */
const outcome = (encrypt: (b: Buffer) => Buffer, raw: Buffer) => {
  try {
    return encrypt(Buffer.from(raw)).toString("hex");
  } catch (error) {
    return `throws ${(error as Error).name}`;
  }
};

describe.skipIf(!addon)("native SRTCP seal of the SFU's reports and feedback", () => {
  it("gives werift's bytes and index for any packets of any SSRCs, and werift opens them", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ ssrc: fc.constantFrom(1, 0xcafe0001, 0xffffffff), body: fc.uint8Array({ minLength: 0, maxLength: 1400 }) }), { minLength: 1, maxLength: 30 }),
        (packets) => {
          const { werift, native, receiver } = sessions();
          expect(sealRtcpWithNative(native, addon!)).toBe(true);
          for (const { ssrc, body } of packets) {
            const raw = Buffer.alloc(8 + body.length);
            raw.writeUInt32BE((0x80c90000 | ((raw.length >> 2) & 0xffff)) >>> 0, 0);
            raw.writeUInt32BE(ssrc, 4);
            Buffer.from(body).copy(raw, 8);
            const sealed = native.encrypt(raw);
            expect(sealed.toString("hex")).toBe(werift.encrypt(raw).toString("hex"));
            expect(receiver.decrypt(Buffer.from(sealed)).equals(raw)).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("wraps the index to 0 past 2^31 − 1 as werift does", () => {
    const { werift, native } = sessions();
    sealRtcpWithNative(native, addon!);
    const raw = Buffer.from("80c90001cafe0001", "hex");
    for (const s of [werift, native]) (s as unknown as Index).localContext.getSrtcpSsrcState(0xcafe0001).srtcpIndex = 0x7ffffffe;
    for (let i = 0; i < 3; i++) expect(native.encrypt(raw).toString("hex")).toBe(werift.encrypt(raw).toString("hex"));
    expect((native as unknown as Index).localContext.getSrtcpSsrcState(0xcafe0001).srtcpIndex).toBe(1);
  });

  it("throws as werift does for a packet shorter than RTCP's fixed header", () => {
    const { werift, native } = sessions();
    sealRtcpWithNative(native, addon!);
    for (const length of [0, 3, 7]) {
      const raw = Buffer.alloc(length, 0x80);
      expect(outcome((b) => native.encrypt(b), raw)).toBe(outcome((b) => werift.encrypt(b), raw));
      expect(outcome((b) => native.encrypt(b), raw)).toMatch(/^throws /);
    }
  });

  it("leaves a session of another profile to werift", () => {
    const { native } = sessions(ProtectionProfileAes128CmHmacSha1_80);
    expect(sealRtcpWithNative(native, addon!)).toBe(false);
  });
});
