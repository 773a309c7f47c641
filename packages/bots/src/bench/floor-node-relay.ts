#!/usr/bin/env node
/**
 * The Node floor for the fan-out benchmarks (`npm run bench -- --scenario floor-node-10`): the
 * C relay's job (floor-relay.c) done the way Confab's SFU worker does it, minus everything else
 * Confab does: a `dgram` socket's message callback per datagram, the turn's fan-out sealed per
 * receiver with the native addon's AES-GCM (a key and a packet counter per receiver, as SRTP
 * has) and sent in one `sendBatch` (sendmmsg) from `setImmediate`. No werift,
 * no RTP parsing, no RTCP. Its CPU per forwarded packet is what Node's event loop plus the
 * mandatory seal cost on this machine, before any SFU logic.
 *
 * usage: floor-node-relay.js <listen port> <shared|per-destination> <destination port>...
 */
import { createSocket, type Socket } from "node:dgram";
import { randomBytes } from "node:crypto";
import { SEND_META_FIELDS, loadNative } from "@confab/native";
import { socketFd } from "@confab/server";

const loaded = loadNative();
if (!loaded.addon) {
  console.error(`floor-node-relay: the native addon did not load: ${loaded.reason}`);
  process.exit(1);
}
const addon = loaded.addon;
const [listen, mode, ...ports] = process.argv.slice(2);
const shared = mode === "shared";
const LOOPBACK = 0x7f000001;
const HEADER = 12;
const TAG = 16;
const MAX_TURN = 64;

async function bind(port: number): Promise<Socket> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(port, "127.0.0.1", resolve));
  return socket;
}

const input = await bind(Number(listen));
const receivers = await Promise.all(
  ports.map(async (port) => ({
    port: Number(port),
    fd: shared ? socketFd(input) : socketFd(await bind(0)),
    key: addon.gcmKey(randomBytes(16)),
    iv: randomBytes(12),
    seq: 0,
  })),
);
const meta = new Int32Array(MAX_TURN * receivers.length * SEND_META_FIELDS);
const data = Buffer.alloc(MAX_TURN * receivers.length * 2048);
const pending: Buffer[] = [];
let scheduled = false;

function flush(): void {
  scheduled = false;
  let count = 0;
  let offset = 0;
  for (const r of receivers) {
    for (const datagram of pending) {
      if (datagram.length < HEADER || datagram.length + TAG > 2048) continue;
      // Each receiver's copy under its own key and IV (its own packet counter, as SRTP's IV
      // holds the sequence number); the clear header is the sender's, which the bench reads.
      const header = datagram.subarray(0, HEADER);
      r.iv.writeUInt16BE(r.seq, 10);
      r.seq = (r.seq + 1) & 0xffff;
      const length = addon.seal(r.key, r.iv, header, datagram.subarray(HEADER), data, offset);
      meta.set([r.fd, offset, length, LOOPBACK, r.port], count * SEND_META_FIELDS);
      count++;
      offset += length;
    }
  }
  pending.length = 0;
  addon.sendBatch(meta, count, data);
}

input.on("message", (datagram: Buffer) => {
  if (pending.length >= MAX_TURN) return;
  pending.push(datagram);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});
console.log("ready");
