/**
 * The delay probe's process (see delay-probe.ts): a room's publisher and one decrypting
 * subscriber, with nothing else on their event loop. Arguments: <server url> <room> <pps>.
 */
import { writeFileSync } from "node:fs";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { Bot } from "../Bot.js";
import type { ProbeMessage, ProbeReply } from "./delay-probe.js";

const [url, room, ppsArg] = process.argv.slice(2);
const pps = Number(ppsArg);
if (!url || !room || !(pps > 0) || !process.send) {
  console.error("usage (forked by the bench): delay-probe-child <url> <room> <packets per second>");
  process.exit(2);
}
const send = (reply: ProbeReply): void => void process.send!(reply);
const subscriber = new Bot({ url, room, name: "delay-probe" });
const publisher = new Bot({ url, room, name: "publisher", publish: { video: true, packetsPerSecond: pps }, subscribe: false, tickMs: 2 });
const seen = new Uint8Array(0x10000);
const arrivals = new Float64Array(0x10000);
let first = 0;
let sent = 0;
let measuring = false;
/**
 * The probe's own lag in its window (its event loop's delay and its garbage-collection pauses):
 * an arrival waits for them before it is stamped, so they are measurement error, not the SFU's.
 */
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
let gcMaxMs = 0;
new PerformanceObserver((list) => {
  if (measuring) for (const entry of list.getEntries()) gcMaxMs = Math.max(gcMaxMs, entry.duration);
}).observe({ entryTypes: ["gc"] });

const close = (): void => void Promise.all([subscriber.close(), publisher.close()]).finally(() => process.exit(0));
process.on("disconnect", close);
/** A burst: packets arriving within this long of each other (a browser's pacer spreads a frame over ~5 ms). */
const BURST_MS = 1;

/** Most arrivals (ms) within any `span` ms: how bunched the SFU's sending reached this receiver. */
function largestBurst(arrivals: number[], span: number): number {
  arrivals.sort((a, b) => a - b);
  let best = 0;
  for (let lo = 0, hi = 0; hi < arrivals.length; hi++) {
    while (arrivals[hi]! - arrivals[lo]! > span) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

process.on("message", (message: ProbeMessage) => {
  if (message.type === "open") {
    seen.fill(0);
    measuring = true;
    gcMaxMs = 0;
    loopDelay.reset();
    loopDelay.enable();
    first = publisher.nextVideoSequence;
    sent = publisher.videoPacketsSent;
    send({ type: "opened", first, sent });
  } else if (message.type === "close-window") {
    loopDelay.disable();
    send({ type: "window-closed", sent: publisher.videoPacketsSent });
  } else if (message.type === "collect") {
    measuring = false;
    const count = Math.min(message.sent - sent, 0x10000);
    const delays: number[] = [];
    const arrived: number[] = [];
    let delivered = 0;
    for (let i = 0; i < count; i++) {
      const seq = (first + i) & 0xffff;
      if (!seen[seq]) continue;
      delivered++;
      const d = arrivals[seq]! - publisher.videoSentAt[seq]!;
      if (d >= 0 && d < 5000) delays.push(d);
      arrived.push(arrivals[seq]!);
    }
    // CONFAB_BENCH_DELAY_LOG=<file>: every sample as "<sent, ms since the epoch> <seq> <delay ms>", to match against server events.
    const logFile = process.env.CONFAB_BENCH_DELAY_LOG;
    if (logFile) {
      const lines: string[] = [];
      for (let i = 0; i < count; i++) {
        const seq = (first + i) & 0xffff;
        const sentAt = performance.timeOrigin + publisher.videoSentAt[seq]!;
        lines.push(`${sentAt.toFixed(3)} ${seq} ${seen[seq] ? (arrivals[seq]! - publisher.videoSentAt[seq]!).toFixed(3) : "lost"}`);
      }
      writeFileSync(logFile, lines.join("\n") + "\n");
    }
    send({ type: "result", delivered, delays, burst: largestBurst(arrived, BURST_MS), loopDelayP99Ms: loopDelay.percentile(99) / 1e6, gcMaxMs });
  } else if (message.type === "close") {
    close();
  }
});

try {
  await subscriber.join();
  await publisher.join();
  // The parent may still be joining other bots; it decides how long is too long.
  while ((subscriber.tracks("video")[0]?.packets ?? 0) === 0) await new Promise((r) => setTimeout(r, 50));
  subscriber.tracks("video")[0]!.observer = (seq, at) => {
    if (!measuring || seen[seq]) return;
    seen[seq] = 1;
    arrivals[seq] = at;
  };
  const ports = { publisher: publisher.nominatedLocalPorts().publisher, subscriber: subscriber.nominatedLocalPorts().subscriber };
  send({ type: "receiving", publisherPort: ports.publisher, subscriberPort: ports.subscriber });
} catch (error) {
  send({ type: "failed", message: (error as Error).message });
}
