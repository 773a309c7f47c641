import { loadNative } from "@confab/native";
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, RtpHeader, SrtpAuthenticationError, SrtpSession } from "werift";
import { describe, expect, it } from "vitest";
import { authenticatedHeaderLength, openWithNative } from "./SrtpOpen.js";

const addon = loadNative().addon;
const hex = (s: string) => Buffer.from(s, "hex");

/** A sender's session and a receiver's, keyed for each other (as DTLS would export them). */
function pair(profile: number = ProtectionProfileAeadAes128Gcm) {
  const salt = (n: number) => Buffer.alloc(profile === ProtectionProfileAeadAes128Gcm ? 12 : 14, n);
  const a = { key: Buffer.alloc(16, 7), salt: salt(8) };
  const b = { key: Buffer.alloc(16, 9), salt: salt(10) };
  const sender = new SrtpSession({ profile, keys: { localMasterKey: a.key, localMasterSalt: a.salt, remoteMasterKey: b.key, remoteMasterSalt: b.salt } });
  const receiver = () => new SrtpSession({ profile, keys: { localMasterKey: b.key, localMasterSalt: b.salt, remoteMasterKey: a.key, remoteMasterSalt: a.salt } });
  return { sender, receiver };
}

/** Protected packets across a sequence-number wrap, with CSRCs, an extension or padding. */
function protectedPackets(sender: SrtpSession): Buffer[] {
  return [65_534, 65_535, 0, 1, 2].map((sequenceNumber, i) => {
    const header = new RtpHeader({
      ssrc: 0xcafe0001, payloadType: 96, sequenceNumber, timestamp: 1000 * i, marker: i === 1, padding: i === 3,
      csrc: i === 4 ? [1, 2] : [], extensions: i % 2 === 0 ? [{ id: 1, payload: Buffer.from([i, 1, 2]) }] : [],
    });
    const payload = i === 3 ? Buffer.from([9, 9, 0, 3]) : Buffer.alloc(200 + i, i);
    return sender.encrypt(payload, header);
  });
}

describe.skipIf(!addon)("native SRTP open of publishers' packets", () => {
  it("opens the RFC 7714 §16.1.1 packet with its session key and salt, as werift does", () => {
    const rtp = "8040f17b8041f8d35501a0b247616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573";
    const srtp = hex(
      "8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833899d7f27beb16a9152cf765ee4390cce",
    );
    // werift's session salt is 14 bytes also for GCM: the IV uses the first 12.
    const sessions = [pair().receiver(), pair().receiver()];
    for (const s of sessions) {
      const cipher = (s as unknown as { remoteContext: { cipher: { srtpSessionKey: Buffer; srtpSessionSalt: Buffer } } }).remoteContext.cipher;
      cipher.srtpSessionKey = hex("000102030405060708090a0b0c0d0e0f");
      cipher.srtpSessionSalt = hex("517569642070726f2071756f0000");
    }
    expect(openWithNative(sessions[1], addon!)).toBe(true);
    expect(sessions[0]!.decrypt(Buffer.from(srtp)).toString("hex")).toBe(rtp);
    expect(sessions[1]!.decrypt(Buffer.from(srtp)).toString("hex")).toBe(rtp);
  });

  it("gives werift's bytes and rollover counter across a sequence-number wrap", () => {
    const { sender, receiver } = pair();
    const werift = receiver();
    const native = receiver();
    expect(openWithNative(native, addon!)).toBe(true);
    for (const packet of protectedPackets(sender)) {
      expect(native.decrypt(packet).equals(werift.decrypt(packet))).toBe(true);
    }
    const state = (s: SrtpSession) => s.remoteContext.srtpSSRCStates[0xcafe0001];
    expect(state(native)).toEqual(state(werift));
    expect(state(native)!.rolloverCounter).toBe(1);
  });

  it("throws werift's authentication error on a forged or truncated packet and leaves the counter as it was", () => {
    const { sender, receiver } = pair();
    const native = receiver();
    openWithNative(native, addon!);
    const [first, second] = protectedPackets(sender);
    native.decrypt(first!);
    const before = { ...native.remoteContext.srtpSSRCStates[0xcafe0001]! };
    const forged = Buffer.from(second!);
    forged[forged.length - 1]! ^= 0x80;
    expect(() => native.decrypt(forged)).toThrow(SrtpAuthenticationError);
    expect(() => native.decrypt(second!.subarray(0, 27))).toThrow(SrtpAuthenticationError);
    expect(() => native.decrypt(Buffer.from([0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...Buffer.alloc(16)]))).toThrow(SrtpAuthenticationError);
    expect({ ...native.remoteContext.srtpSSRCStates[0xcafe0001]! }).toEqual(before);
    expect(native.decrypt(second!).length).toBe(second!.length - 16);
  });

  it("leaves other protection profiles to werift", () => {
    const { sender, receiver } = pair(ProtectionProfileAes128CmHmacSha1_80);
    const native = receiver();
    expect(openWithNative(native, addon!)).toBe(false);
    const [packet] = protectedPackets(sender);
    expect(native.decrypt(packet!).equals(receiver().decrypt(packet!))).toBe(true);
  });
});

describe("authenticatedHeaderLength", () => {
  it("finds the end of the fixed header, CSRCs and extension, and refuses what overruns the tag", () => {
    const tag = Buffer.alloc(16);
    expect(authenticatedHeaderLength(Buffer.concat([Buffer.from([0x80, 0x60]), Buffer.alloc(10), tag]))).toBe(12);
    expect(authenticatedHeaderLength(Buffer.concat([Buffer.from([0x82, 0x60]), Buffer.alloc(18), tag]))).toBe(20);
    const ext = Buffer.concat([Buffer.from([0x90, 0x60]), Buffer.alloc(10), Buffer.from([0xbe, 0xde, 0, 1]), Buffer.alloc(4), tag]);
    expect(authenticatedHeaderLength(ext)).toBe(20);
    ext.writeUInt16BE(2, 14); // one word more than there is
    expect(authenticatedHeaderLength(ext)).toBe(-1);
    expect(authenticatedHeaderLength(Buffer.concat([Buffer.from([0x8f, 0x60]), Buffer.alloc(10), tag]))).toBe(-1);
    expect(authenticatedHeaderLength(Buffer.concat([Buffer.from([0x40, 0x60]), Buffer.alloc(10), tag]))).toBe(-1);
    expect(authenticatedHeaderLength(Buffer.alloc(27, 0x80))).toBe(-1);
  });
});
