#!/usr/bin/env node
/**
 * Microbenchmark of the per-packet send path alone, in one process (no bots, no negotiation):
 * `node packages/server/dist/bench/sendPath.js [subscribers] [rounds] [packets per turn]`. For each of 2000
 * publisher packets (1100-byte payload) it seals one copy per subscriber with `SrtpGcm` and
 * sends it with `DirectSend` on that subscriber's own UDP socket (as werift has one socket per
 * peer connection) to a loopback receiver, alternating the TypeScript and the native path.
 * Prints CPU µs (user + system, this process) per sent packet, median of the rounds, and per
 * opened (decrypted) publisher packet with werift's SRTP session against the native open.
 */
import { createSocket, type Socket } from "node:dgram";
import { loadNative } from "@confab/native";
import { ProtectionProfileAeadAes128Gcm, RtpHeader, SrtpSession } from "werift";
import { DirectSend } from "../sfu/DirectSend.js";
import { SendBatch } from "../sfu/native/SendBatch.js";
import { openWithNative } from "../sfu/native/SrtpOpen.js";
import type { NativePath } from "../sfu/native/fastPath.js";
import { SrtpGcm } from "../sfu/SrtpGcm.js";
import { tuneUdpSocket } from "../sfu/udpSockets.js";

const PACKETS = 2000;

async function bound(): Promise<Socket> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  tuneUdpSocket(socket, 1024 * 1024);
  return socket;
}

/** CPU µs per sent packet for one path. */
async function measure(subscribers: number, native: NativePath | undefined, from: Socket[], to: Socket[]): Promise<number> {
  const key = (n: number) => Buffer.alloc(16, n);
  const sessions = from.map((_, i) => new SrtpSession({ profile: ProtectionProfileAeadAes128Gcm, keys: { localMasterKey: key(i), localMasterSalt: Buffer.alloc(12, i), remoteMasterKey: key(99), remoteMasterSalt: Buffer.alloc(12, 99) } }));
  const sends = from.map((socket, i) => new DirectSend({ state: "connected", nominated: { protocol: { type: "stun", transport: { socket } }, remoteAddr: ["127.0.0.1", to[i]!.address().port], packetsSent: 0, bytesSent: 0 }, send: async () => undefined }, native));
  const gcm = new SrtpGcm(native);
  const header = new RtpHeader({ ssrc: 1234, payloadType: 96, extensions: [] });
  const payload = Buffer.alloc(1100, 7);
  const start = process.cpuUsage();
  for (let p = 0; p < PACKETS; p++) {
    header.sequenceNumber = p & 0xffff;
    for (let s = 0; s < subscribers; s++) sends[s]!.send(gcm.encrypt(sessions[s], header, payload, undefined));
    // The publisher packets that arrive together are read in one event-loop turn (the bench's
    // publisher sends 2 every 2 ms).
    if (p % perTurn === perTurn - 1) await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setImmediate(r));
  const used = process.cpuUsage(start);
  return (used.user + used.system) / (PACKETS * subscribers);
}

/** CPU µs per opened publisher packet: werift's decrypt, or the native open. */
function measureOpen(native: boolean): number {
  const keys = (a: number, b: number) => ({ localMasterKey: Buffer.alloc(16, a), localMasterSalt: Buffer.alloc(12, a), remoteMasterKey: Buffer.alloc(16, b), remoteMasterSalt: Buffer.alloc(12, b) });
  const sender = new SrtpSession({ profile: ProtectionProfileAeadAes128Gcm, keys: keys(1, 2) });
  const receiver = new SrtpSession({ profile: ProtectionProfileAeadAes128Gcm, keys: keys(2, 1) });
  if (native) openWithNative(receiver, addon!);
  const header = new RtpHeader({ ssrc: 1234, payloadType: 96, extensions: [] });
  const packets = Array.from({ length: PACKETS }, (_, p) => {
    header.sequenceNumber = p;
    return sender.encrypt(Buffer.alloc(1100, 7), header);
  });
  const start = process.cpuUsage();
  for (const packet of packets) receiver.decrypt(packet);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / PACKETS;
}

const subscribers = Number(process.argv[2] ?? 30);
const rounds = Number(process.argv[3] ?? 5);
const perTurn = Number(process.argv[4] ?? 2);
const addon = loadNative().addon;
const from = await Promise.all(Array.from({ length: subscribers }, bound));
const to = await Promise.all(Array.from({ length: subscribers }, bound));
// Receivers are never read (their kernel queues fill and drop): only the sending side is measured.
for (const s of to) {
  const key = Object.getOwnPropertySymbols(s).find((k) => k.description === "state symbol")!;
  (s as unknown as Record<symbol, { handle: { recvStop(): void } }>)[key]!.handle.recvStop();
}
const results: Record<string, number[]> = { js: [], native: [], openJs: [], openNative: [] };
for (let r = 0; r < rounds; r++) {
  results.openJs!.push(measureOpen(false));
  if (addon) results.openNative!.push(measureOpen(true));
  results.js!.push(await measure(subscribers, undefined, from, to));
  if (addon) results.native!.push(await measure(subscribers, { addon, batch: new SendBatch(addon) }, from, to));
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? NaN;
console.log(JSON.stringify({ subscribers, rounds, perTurn, jsUsPerPacket: +median(results.js!).toFixed(2), nativeUsPerPacket: +median(results.native!).toFixed(2), openJsUs: +median(results.openJs!).toFixed(2), openNativeUs: +median(results.openNative!).toFixed(2), js: results.js!.map((v) => +v.toFixed(2)), native: results.native!.map((v) => +v.toFixed(2)) }));
for (const s of [...from, ...to]) s.close();
