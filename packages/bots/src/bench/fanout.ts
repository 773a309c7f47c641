import { Bot } from "../Bot.js";
import { DeliveryWindow } from "../Delivery.js";
import type { ScenarioResult } from "./scenario.js";
import { ServerProcess } from "./server-process.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * 1 publisher bot → N subscriber bots at a fixed video packet rate. Server CPU is read from
 * /proc for the server process alone; delivery counts distinct sequence numbers per
 * subscriber, so a duplicate or retransmission is never counted twice.
 */
export async function fanout(subscribers: number, pps: number, measureSeconds = 10): Promise<ScenarioResult> {
  const server = await ServerProcess.start();
  const bots: Bot[] = [];
  try {
    const room = `bench-${Date.now().toString(36)}`;
    const publisher = new Bot({ url: server.url, room, name: "publisher", publish: { video: true, packetsPerSecond: pps }, subscribe: false });
    bots.push(publisher);
    for (let i = 0; i < subscribers; i++) {
      const b = new Bot({ url: server.url, room, name: `sub-${i}` });
      bots.push(b);
      await b.join();
    }
    await publisher.join();
    const subs = bots.slice(1);
    // Wait until every subscriber receives, then warm up.
    const deadline = Date.now() + 20_000;
    while (subs.some((b) => (b.tracks("video")[0]?.packets ?? 0) === 0)) {
      if (Date.now() > deadline) throw new Error("subscribers did not start receiving within 20 s");
      await sleep(100);
    }
    await sleep(3000);

    // Forwarding delay: publisher send → subscriber arrival, same process clock, matched by
    // sequence number (the SFU keeps the publisher's numbering unless a stream is paused).
    const delays: number[] = [];
    let measuring = false;
    for (const b of subs) {
      const track = b.tracks("video")[0];
      if (!track) continue;
      track.observer = (packet, arrivedAt) => {
        if (!measuring) return;
        const sentAt = publisher.videoSentAt[packet.header.sequenceNumber]!;
        const d = arrivedAt - sentAt;
        if (sentAt > 0 && d >= 0 && d < 5000) delays.push(d);
      };
    }
    const windows = subs.map((b) => new DeliveryWindow(publisher, b.tracks("video")[0]!));
    for (const w of windows) w.open();
    const cpu0 = server.cpuMicros();
    const t0 = performance.now();
    measuring = true;
    await sleep(measureSeconds * 1000);
    measuring = false;
    const cpu1 = server.cpuMicros();
    const t1 = performance.now();
    const sent = windows.map((w) => w.close())[0] ?? 0;
    // Packets in flight (and retransmissions) at the end of the window get time to arrive;
    // only packets sent inside the window count.
    await sleep(500);
    const delivered = windows.reduce((n, w) => n + w.delivered(), 0);
    const forwarded = sent * subscribers;
    const seconds = (t1 - t0) / 1000;
    const cpuMicros = cpu1 - cpu0;
    return {
      scenario: `fanout-${subscribers}`,
      usPerFwdPkt: round(cpuMicros / Math.max(1, delivered)),
      deliveredPct: round((100 * delivered) / Math.max(1, forwarded), 2),
      outPps: Math.round(delivered / seconds),
      cpuPct: round((100 * cpuMicros) / 1e6 / seconds),
      inPps: Math.round(sent / seconds),
      delayP50Ms: round(percentile(delays, 0.5), 2),
      delayP99Ms: round(percentile(delays, 0.99), 2),
      subscribers,
      seconds: round(seconds),
    };
  } finally {
    await Promise.all(bots.map((b) => b.close()));
    await server.stop();
  }
}

function percentile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
