import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { loadNative } from "./index.js";

const load = loadNative();
const addon = load.addon;
const hex = (s: string) => Buffer.from(s.replace(/\s/g, ""), "hex");

// RFC 7714 §16.1.1: session key, session salt, the RTP packet and its protected form.
const KEY = hex("000102030405060708090a0b0c0d0e0f");
const SALT = hex("517569642070726f2071756f");
const RTP = hex("8040f17b8041f8d35501a0b247616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573");
const SRTP = hex(
  "8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833899d7f27beb16a9152cf765ee4390cce",
);
// RFC 7714 §8.1: (0x0000 ‖ SSRC 5501a0b2 ‖ ROC 0 ‖ SEQ f17b) XOR salt.
const IV = hex("51753c6580c2726f20718414");

function nodeSeal(key: Buffer, iv: Buffer, header: Buffer, payload: Buffer): Buffer {
  const cipher = createCipheriv("aes-128-gcm", key, iv);
  cipher.setAAD(header);
  return Buffer.concat([header, cipher.update(payload), cipher.final(), cipher.getAuthTag()]);
}

describe("native addon loading", () => {
  it.runIf(process.env.CONFAB_NATIVE_REQUIRED)("loads the built addon where it must (the sanitizer run, CI with a compiler)", () => {
    expect(load.addon ? "loaded" : load.reason).toBe("loaded");
  });

  it("reports a missing build or a file that is not the addon as a reason, never throws", () => {
    expect(loadNative("/nonexistent/confab_native.node")).toEqual({ addon: undefined, reason: expect.stringMatching(/^native addon not built: .*install a C compiler/) });
    const notAddon = loadNative(fileURLToPath(new URL("../package.json", import.meta.url)));
    expect(notAddon).toEqual({ addon: undefined, reason: expect.stringMatching(/^native addon not loaded \(not Confab's addon\)/) });
  });
});

describe.skipIf(!addon)("native AES-128-GCM (RFC 7714)", () => {
  const a = addon!;

  it("seals the RFC 7714 §16.1.1 packet into its published protected form", () => {
    const out = Buffer.alloc(100);
    const n = a.seal(a.gcmKey(KEY), IV, RTP.subarray(0, 12), RTP.subarray(12), out, 7);
    expect(out.subarray(7, 7 + n).toString("hex")).toBe(SRTP.toString("hex"));
    expect(nodeSeal(KEY, IV, RTP.subarray(0, 12), RTP.subarray(12)).equals(SRTP)).toBe(true);
  });

  it("opens the RFC 7714 §16.1.1 protected packet back into the RTP packet", () => {
    const out = Buffer.alloc(SRTP.length - 16);
    expect(a.open(a.gcmKey(KEY), IV, SRTP, 12, out, 0)).toBe(RTP.length);
    expect(out.equals(RTP)).toBe(true);
  });

  it("opens in place when out is the packet itself", () => {
    const packet = Buffer.from(SRTP);
    expect(a.open(a.gcmKey(KEY), IV, packet, 12, packet, 0)).toBe(RTP.length);
    expect(packet.subarray(0, RTP.length).equals(RTP)).toBe(true);
  });

  it("refuses a packet whose tag, header, payload or IV was changed", () => {
    const key = a.gcmKey(KEY);
    const out = Buffer.alloc(SRTP.length);
    for (const at of [0, 5, 11, 12, 30, SRTP.length - 1]) {
      const bad = Buffer.from(SRTP);
      bad[at]! ^= 1;
      expect(a.open(key, IV, bad, 12, out, 0)).toBe(-1);
    }
    const iv = Buffer.from(IV);
    iv[11]! ^= 1;
    expect(a.open(key, iv, SRTP, 12, out, 0)).toBe(-1);
    // The context stays usable after a failure.
    expect(a.open(key, IV, SRTP, 12, out, 0)).toBe(RTP.length);
  });

  it("gives the same bytes as Node's createCipheriv and createDecipheriv, one context for many IVs", () => {
    const raw = randomBytes(16);
    const key = a.gcmKey(raw);
    const out = Buffer.alloc(1600);
    for (let i = 0; i < 200; i++) {
      const iv = randomBytes(12);
      const header = randomBytes(12 + (i % 5) * 4);
      const payload = randomBytes((i * 37) % 1400);
      const n = a.seal(key, iv, header, payload, out, 0);
      const expected = nodeSeal(raw, iv, header, payload);
      expect(out.subarray(0, n).equals(expected)).toBe(true);
      const decipher = createDecipheriv("aes-128-gcm", raw, iv);
      decipher.setAAD(header);
      decipher.setAuthTag(expected.subarray(expected.length - 16));
      const plain = Buffer.concat([decipher.update(expected.subarray(header.length, expected.length - 16)), decipher.final()]);
      const opened = Buffer.alloc(n - 16);
      expect(a.open(key, iv, out.subarray(0, n), header.length, opened, 0)).toBe(n - 16);
      expect(opened.subarray(header.length).equals(plain)).toBe(true);
    }
  });

  it("refuses bad keys, IVs, lengths, offsets and overlapping buffers with a thrown error", () => {
    const key = a.gcmKey(KEY);
    const out = Buffer.alloc(64);
    expect(() => a.gcmKey(Buffer.alloc(15))).toThrow(RangeError);
    expect(() => a.gcmKey("0123456789abcdef" as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => a.seal({} as never, IV, RTP, RTP, out, 0)).toThrow(TypeError);
    expect(() => a.seal(key, Buffer.alloc(14), RTP.subarray(0, 12), RTP.subarray(12), Buffer.alloc(100), 0)).toThrow(RangeError);
    expect(() => a.seal(key, IV, RTP.subarray(0, 12), RTP.subarray(12), out, 0)).toThrow(RangeError); // 66 > 64
    expect(() => a.seal(key, IV, RTP.subarray(0, 12), RTP.subarray(12), Buffer.alloc(100), 35)).toThrow(RangeError);
    expect(() => a.seal(key, IV, RTP.subarray(0, 12), RTP.subarray(12), Buffer.alloc(100), -1)).toThrow(RangeError);
    expect(() => a.seal(key, IV, RTP.subarray(0, 12), RTP.subarray(12), Buffer.alloc(100), 1.5)).toThrow(RangeError);
    expect(() => a.seal(key, IV, RTP.subarray(0, 12), RTP.subarray(12), Buffer.alloc(100), Number.NaN)).toThrow(RangeError);
    const shared = Buffer.alloc(200);
    expect(() => a.seal(key, IV, shared.subarray(0, 12), shared.subarray(12, 50), shared, 40)).toThrow(RangeError);
    expect(() => a.open(key, IV, SRTP, 12, SRTP, 1)).toThrow(RangeError);
    expect(() => a.open(key, IV, Buffer.alloc(15), 0, out, 0)).toThrow(RangeError);
    expect(() => a.open(key, IV, SRTP, SRTP.length - 15, Buffer.alloc(100), 0)).toThrow(RangeError);
    expect(() => a.open(key, IV, SRTP, 12, Buffer.alloc(SRTP.length - 17), 0)).toThrow(RangeError);
    expect(() => a.open(key, IV, new Uint16Array(40) as unknown as Uint8Array, 12, out, 0)).toThrow(TypeError);
  });
});

describe.skipIf(!addon)("native addon in worker threads", () => {
  it("loads and seals in two worker threads at once, and the main thread's keys work after they exit", async () => {
    // Plain CommonJS in the worker: it loads the same .node file (per-thread module state).
    const code = `
      const { parentPort, workerData } = require("node:worker_threads");
      const a = require(workerData.path);
      const hex = (s) => Buffer.from(s, "hex");
      const key = a.gcmKey(hex(workerData.key));
      const out = Buffer.alloc(100);
      let n = 0;
      for (let i = 0; i < 2000; i++) n = a.seal(key, hex(workerData.iv), hex(workerData.header), hex(workerData.payload), out, 0);
      parentPort.postMessage(out.subarray(0, n).toString("hex"));`;
    const workerData = { path: load.addon ? load.path : "", key: KEY.toString("hex"), iv: IV.toString("hex"), header: RTP.subarray(0, 12).toString("hex"), payload: RTP.subarray(12).toString("hex") };
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const worker = new Worker(code, { eval: true, workerData });
        worker.once("message", (m: string) => void worker.terminate().then(() => resolve(m)));
        worker.once("error", reject);
      });
    const key = addon!.gcmKey(KEY);
    expect(await Promise.all([run(), run()])).toEqual([SRTP.toString("hex"), SRTP.toString("hex")]);
    const out = Buffer.alloc(SRTP.length);
    expect(addon!.seal(key, IV, RTP.subarray(0, 12), RTP.subarray(12), out, 0)).toBe(SRTP.length);
    expect(out.equals(SRTP)).toBe(true);
  });
});
