import { createCipheriv } from "node:crypto";
import { loadNative } from "@confab/native";
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, SrtcpSession, SrtpAuthenticationError } from "werift";
import { describe, expect, it } from "vitest";
import { openRtcpWithNative } from "./SrtpOpen.js";

const addon = loadNative().addon;

/** A sender's SRTCP session and a receiver's, keyed for each other (as DTLS would export them). */
function pair(profile: number = ProtectionProfileAeadAes128Gcm) {
  const salt = (n: number) => Buffer.alloc(profile === ProtectionProfileAeadAes128Gcm ? 12 : 14, n);
  const a = { key: Buffer.alloc(16, 3), salt: salt(4) };
  const b = { key: Buffer.alloc(16, 5), salt: salt(6) };
  const sender = new SrtcpSession({ profile, keys: { localMasterKey: a.key, localMasterSalt: a.salt, remoteMasterKey: b.key, remoteMasterSalt: b.salt } });
  const receiver = () => new SrtcpSession({ profile, keys: { localMasterKey: b.key, localMasterSalt: b.salt, remoteMasterKey: a.key, remoteMasterSalt: a.salt } });
  return { sender, receiver };
}

/** Plain RTCP packets: an empty receiver report, one with a block, a compound of two, a transport-wide feedback. */
const PLAIN = [
  "80c90001cafe0001",
  "81c90007cafe000112345678000000050000ffff00000003aabbccdd00000010",
  "80c90001cafe000181ca00050000000101064e616d6573000000",
  "8fcd0005cafe0001123456780001000300000120a0000000",
].map((h) => Buffer.from(h, "hex"));

const outcome = (decrypt: (b: Buffer) => Buffer, packet: Buffer) => {
  try {
    return decrypt(Buffer.from(packet)).toString("hex");
  } catch (error) {
    return error instanceof SrtpAuthenticationError ? "auth" : `other: ${String(error)}`;
  }
};

describe.skipIf(!addon)("native SRTCP open of receivers' feedback and reports", () => {
  it("gives werift's bytes for every packet werift's sender protects, over many indexes", () => {
    const { sender, receiver } = pair();
    const werift = receiver();
    const native = receiver();
    expect(openRtcpWithNative(native, addon!)).toBe(true);
    for (let round = 0; round < 50; round++) {
      for (const plain of PLAIN) {
        const packet = sender.encrypt(plain);
        const opened = native.decrypt(Buffer.from(packet));
        expect(opened.toString("hex")).toBe(plain.toString("hex"));
        expect(opened.equals(werift.decrypt(Buffer.from(packet)))).toBe(true);
      }
    }
  });

  it("opens an unencrypted (E = 0) packet as werift does", () => {
    const { receiver } = pair();
    const werift = receiver();
    const native = receiver();
    openRtcpWithNative(native, addon!);
    const cipher = (werift as unknown as { remoteContext: { cipher: { srtcpSessionKey: Buffer; srtcpSessionSalt: Buffer } } }).remoteContext.cipher;
    const plain = PLAIN[1]!;
    const index = Buffer.from([0, 0, 0, 7]);
    const iv = Buffer.alloc(12);
    plain.copy(iv, 2, 4, 8);
    index.copy(iv, 8);
    for (let i = 0; i < 12; i++) iv[i]! ^= cipher.srtcpSessionSalt[i]!;
    const gcm = createCipheriv("aes-128-gcm", cipher.srtcpSessionKey, iv);
    gcm.setAAD(Buffer.concat([plain, index]));
    gcm.final();
    const packet = Buffer.concat([plain, gcm.getAuthTag(), index]);
    expect(outcome(native.decrypt, packet)).toBe(plain.toString("hex"));
    expect(outcome(native.decrypt, packet)).toBe(outcome(werift.decrypt, packet));
  });

  it("refuses, as werift does, a packet with any bit changed, and one too short for its tag and index", () => {
    const { sender, receiver } = pair();
    const werift = receiver();
    const native = receiver();
    openRtcpWithNative(native, addon!);
    const packet = sender.encrypt(PLAIN[1]!);
    for (let bit = 0; bit < packet.length * 8; bit += 5) {
      const forged = Buffer.from(packet);
      forged[bit >> 3]! ^= 1 << (bit & 7);
      expect(outcome(native.decrypt, forged), `bit ${bit}`).toBe("auth");
      expect(outcome(werift.decrypt, forged), `bit ${bit}`).toBe("auth");
    }
    for (const length of [0, 1, 8, 27]) expect(outcome(native.decrypt, packet.subarray(0, length))).toBe("auth");
  });

  it("leaves a session of another profile to werift", () => {
    const { receiver } = pair(ProtectionProfileAes128CmHmacSha1_80);
    expect(openRtcpWithNative(receiver(), addon!)).toBe(false);
  });
});
