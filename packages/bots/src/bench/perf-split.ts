#!/usr/bin/env node
/**
 * `node packages/bots/dist/bench/perf-split.js <perf.data>`: where the SFU worker's CPU went in a
 * `perf record -g` of the server (`CONFAB_BENCH_PERF=<file>`, with
 * `NODE_OPTIONS=--perf-basic-prof-only-functions` so JavaScript frames have names), as a
 * markdown table: each sample of the busiest thread goes to the first category, in the order
 * of {@link CATEGORIES}, whose pattern some frame of its stack matches.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Categories of a sample, first match wins (so the kernel's send inside our flush counts as the send). */
export const CATEGORIES: readonly (readonly [name: string, pattern: RegExp])[] = [
  ["GC", /Heap::CollectGarbage|Scavenge|MarkCompact|IncrementalMarking/],
  // On loopback the sender's system call also delivers into the receiver's socket and wakes it
  // (and the scheduler may switch to it mid-call): costs a real network puts on the receiver's machine.
  ["kernel send: waking the receiving process, switched out for it (loopback only)", /sock_def_readable|try_to_wake_up|__cond_resched/],
  ["kernel send (sendmmsg: UDP send, on loopback also the delivery into the receiver's socket)", /__sendmmsg|sys_sendmmsg/],
  ["other sends (dgram: RTCP, STUN)", /udp_sendmsg|__sys_sendmsg/],
  ["kernel receive (recvmsg)", /recvmsg|recvmmsg/],
  ["waiting for and switching to the thread (epoll, scheduler)", /epoll_wait|epoll_pwait|__schedule|finish_task_switch/],
  ["seal (SrtpGcm + addon AES-GCM)", /gcm_seal|SrtpGcm\.js/],
  ["open the publisher's packets (SrtpOpen + addon)", /gcm_open|SrtpOpen\.js/],
  // A sample inside the addon often has no caller: V8's optimized frames are not unwound.
  // Not napi_make_callback: the native receive calls JavaScript through it, so it is under every
  // sample of the receive path (the addon's own reading is recvmmsg, above).
  ["inside the addon: AES-GCM, N-API checks, batching (seal, open or flush; caller not unwound)", /aesni|gcm_|napi_(?!make_callback)|send_batch/],
  ["RTCP received (werift decrypt and routing, our feedback handling)", /routeRtcp|decryptRTCP|parseRtcpBounded|onTransportFeedback|handleRtcpPacket/],
  ["RTCP sent (sender and receiver reports)", /sendRtcp|sendReport|runRtcp/],
  ["other timers", /uv__run_timers|processTimers/],
  ["forwarding (ForwardedTrack, DownTrack, RtpWriter, SendBatch, TransportCc)", /ForwardedTrack\.js|DownTrack\.js|RtpWriter\.js|SendBatch\.js|TransportCc\.js/],
  ["receive path (NativeReceive or dgram, ICE, DTLS, werift's SRTP session, RTP routing, receiver stats)", /werift\/lib\/index\.mjs|node:dgram|NativeReceive\.js|UdpMux\.js|mediaShortcut\.js|receiver_readable/],
  ["setImmediate and microtasks", /uv__run_check|processImmediate|RunMicrotasks/],
];

/** One sample: its thread and its stack, innermost frame first. */
export interface Sample {
  tid: number;
  frames: string[];
}

/** Parses `perf script -F tid,ip,sym` output. */
export function parsePerfScript(text: string): Sample[] {
  const samples: Sample[] = [];
  let current: Sample | undefined;
  for (const line of text.split("\n")) {
    if (/^\s*\d+\s*$/.test(line)) {
      current = { tid: Number(line.trim()), frames: [] };
      samples.push(current);
    } else if (current && line.trim() !== "") {
      const [, symbol] = /^\s*[0-9a-f]+\s+(.*)$/.exec(line) ?? [];
      current.frames.push(symbol ?? line.trim());
    }
  }
  return samples;
}

/** Samples per category for the busiest thread, largest first, with that thread's id and sample count. */
export function splitBusiestThread(samples: Sample[]): { tid: number; total: number; rows: [string, number][] } {
  const perThread = new Map<number, number>();
  for (const s of samples) perThread.set(s.tid, (perThread.get(s.tid) ?? 0) + 1);
  const [tid] = [...perThread].sort((a, b) => b[1] - a[1])[0] ?? [0];
  const counts = new Map<string, number>();
  let total = 0;
  for (const s of samples) {
    if (s.tid !== tid) continue;
    total++;
    const stack = s.frames.join("\n");
    const name = CATEGORIES.find(([, pattern]) => pattern.test(stack))?.[0] ?? "everything else";
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return { tid, total, rows: [...counts].sort((a, b) => b[1] - a[1]) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error("use: perf-split.js <perf.data>");
    process.exit(2);
  }
  const text = execFileSync("perf", ["script", "-i", file, "-F", "tid,ip,sym"], { encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "ignore"] });
  const { tid, total, rows } = splitBusiestThread(parsePerfScript(text));
  console.log(`busiest thread ${tid}: ${total} samples\n\n| where | share |\n| --- | --- |`);
  for (const [name, n] of rows) console.log(`| ${name} | ${((100 * n) / Math.max(1, total)).toFixed(1)} % |`);
}
