import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bot } from "../Bot.js";
import { DeliveryWindow } from "../Delivery.js";
import { LoopbackCapture, sfuDelays } from "./capture.js";
import { DelayProbe } from "./delay-probe.js";
import { setupSeconds, warmupSeconds, type ScenarioResult } from "./scenario.js";
import { busiestThread, cpuSplit, ServerProcess } from "./server-process.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What {@link fanout} runs. */
export interface FanoutOptions {
  /** Name in the results. */
  scenario: string;
  /** Rooms, each with its own publisher and subscribers (default 1). */
  rooms?: number;
  subscribers: number;
  pps: number;
  measureSeconds?: number;
  /** The server's SFU worker threads (`WORKERS`); unset: the server's default, one per core. */
  workers?: number;
  /**
   * All subscribers but the first of each room count packets by their clear RTP header instead
   * of decrypting them, so the load generator stays cheaper than the server it measures.
   */
  countOnly?: boolean;
}

/**
 * Per room, 1 publisher bot → N subscriber bots at a fixed video packet rate. Server CPU is
 * read from /proc for the server process alone (all its threads); delivery counts distinct
 * sequence numbers per subscriber, so a duplicate or retransmission is never counted twice.
 * With one room, its publisher and first subscriber are a {@link DelayProbe} (a process of their
 * own) and the forwarding delay is measured there.
 */
export async function fanout(options: FanoutOptions): Promise<ScenarioResult> {
  const { subscribers, pps, measureSeconds = 10 } = options;
  const roomCount = options.rooms ?? 1;
  const server = await ServerProcess.start(options.workers === undefined ? {} : { WORKERS: String(options.workers) });
  const bots: Bot[] = [];
  let probe: DelayProbe | undefined;
  let capture: LoopbackCapture | undefined;
  try {
    const rooms: { publisher: Bot | DelayProbe; subs: Bot[] }[] = [];
    for (let r = 0; r < roomCount; r++) {
      const room = `bench-${Date.now().toString(36)}-${r}`;
      const subs: Bot[] = [];
      // One room: its publisher and first subscriber are the delay probe, in a process of their own.
      if (roomCount === 1) probe = DelayProbe.spawn(server.url, room, pps);
      for (let i = probe ? 1 : 0; i < subscribers; i++) {
        const b = new Bot({ url: server.url, room, name: `sub-${i}`, countOnly: options.countOnly === true && i > 0 });
        subs.push(b);
        bots.push(b);
        await b.join();
      }
      let publisher: Bot | DelayProbe;
      if (probe) publisher = probe;
      else {
        publisher = new Bot({ url: server.url, room, name: "publisher", publish: { video: true, packetsPerSecond: pps }, subscribe: false });
        bots.push(publisher);
        await publisher.join();
      }
      rooms.push({ publisher, subs });
    }
    const subs = rooms.flatMap((r) => r.subs);
    // Wait until every subscriber receives, then warm up.
    await probe?.ready();
    const deadline = Date.now() + setupSeconds(20) * 1000;
    while (subs.some((b) => (b.tracks("video")[0]?.packets ?? 0) === 0)) {
      if (Date.now() > deadline) {
        const waiting = rooms.map((r) => r.subs.filter((b) => (b.tracks("video")[0]?.packets ?? 0) === 0).length);
        throw new Error(`subscribers did not start receiving within ${setupSeconds(20)} s (still waiting, per room: ${waiting.join(", ")})`);
      }
      await sleep(100);
    }
    // Warm-up: V8 compiles the hot path and runs the major GC of the heap the joins grew
    // (~140 ms of the main thread) some seconds after them; a 3 s warm-up left both in the window.
    await sleep(warmupSeconds() * 1000);

    // With several rooms, delay is measured in this process (its lag included).
    const inProcessDelays: number[] = [];
    let measuring = false;
    for (const { publisher, subs: roomSubs } of rooms) {
      if (publisher instanceof DelayProbe) continue;
      for (const b of roomSubs) {
        const track = b.tracks("video")[0];
        if (!track) continue;
        track.observer = (seq, arrivedAt) => {
          const d = arrivedAt - publisher.videoSentAt[seq]!;
          if (measuring && d >= 0 && d < 5000) inProcessDelays.push(d);
        };
      }
    }
    const windows = rooms.map(({ publisher, subs: roomSubs }) => roomSubs.map((b) => new DeliveryWindow(publisher, b.tracks("video")[0]!)));
    // Forget earlier arrivals before the probe's window opens (its numbering comes back by IPC).
    for (const w of windows.flat()) w.clear();
    // CONFAB_BENCH_CAPTURE=1: the SFU-added delay from kernel timestamps on loopback as well.
    // (A path instead of 1 keeps the capture file there.)
    const captureTo = process.env.CONFAB_BENCH_CAPTURE;
    capture = probe && captureTo ? await startCapture(probe, captureTo === "1" ? undefined : captureTo) : undefined;
    await probe?.open();
    for (const w of windows.flat()) w.start();
    const stopPerf = server.perfRecord();
    const threads0 = server.threadCpuMicros();
    const waits0 = new Map([...threads0.keys()].map((tid) => [tid, server.runqueueWaitMicros(tid)]));
    const slices0 = new Map([...threads0.keys()].map((tid) => [tid, server.timeslices(tid)]));
    const cpu0 = server.cpuMicros();
    const bots0 = process.cpuUsage();
    const t0 = performance.now();
    measuring = true;
    await sleep(measureSeconds * 1000);
    measuring = false;
    const cpu1 = server.cpuMicros();
    const threads1 = server.threadCpuMicros();
    const worker = busiestThread(server.pid, threads0, threads1);
    const workerWait = worker === undefined ? NaN : server.runqueueWaitMicros(worker) - (waits0.get(worker) ?? NaN);
    const workerSlices = worker === undefined ? NaN : server.timeslices(worker) - (slices0.get(worker) ?? NaN);
    const botsUsage = process.cpuUsage(bots0);
    const t1 = performance.now();
    await stopPerf();
    const probeSent = probe ? await probe.closeWindow() : 0;
    let sent = probeSent;
    const roomSent: number[] = [];
    for (const [r, roomWindows] of windows.entries()) {
      const counts = roomWindows.map((w) => w.close());
      roomSent[r] = rooms[r]!.publisher === probe ? probeSent : (counts[0] ?? 0);
      if (rooms[r]!.publisher !== probe) sent += counts[0] ?? 0;
    }
    // Packets in flight (and retransmissions) at the end of the window get time to arrive;
    // only packets sent inside the window count.
    await sleep(500);
    let sfuDelay: number[] | undefined;
    let sfuOutOfOrder = 0;
    if (capture && probe) {
      const { ports, nextVideoSequence: first } = probe;
      ({ delays: sfuDelay, outOfOrder: sfuOutOfOrder } = sfuDelays(await capture.stop(), ports.publisher!, ports.subscriber!, first, probeSent));
      if (sfuOutOfOrder > 0.01 * (sfuDelay.length + sfuOutOfOrder)) {
        console.error(`bench: the capture's copies did not match the publisher's numbering (${sfuOutOfOrder} seen before their original); no SFU delay reported`);
        sfuDelay = [];
      }
    }
    const probed = probe ? await probe.collect() : { delivered: 0, delays: inProcessDelays, burst: 0, loopDelayP99Ms: NaN, gcMaxMs: NaN };
    const fastpath = await server.fastpath();
    const udpSockets = await server.udpSockets();
    const delivered = windows.flat().reduce((n, w) => n + w.delivered(), probed.delivered);
    // A subscriber that stopped receiving would hide in the average: report the worst one.
    const perSubscriber = windows.flatMap((roomWindows, r) => roomWindows.map((w) => w.delivered() / Math.max(1, roomSent[r]!)));
    if (probe) perSubscriber.push(probed.delivered / Math.max(1, probeSent));
    // Forwarding delay: publisher send → arrival, matched by sequence number (the SFU keeps the
    // publisher's numbering unless a stream is paused).
    const delays = probed.delays;
    const forwarded = sent * subscribers;
    const seconds = (t1 - t0) / 1000;
    const cpuMicros = cpu1 - cpu0;
    const split = cpuSplit(server.pid, threads0, threads1);
    return {
      scenario: options.scenario,
      usPerFwdPkt: round(cpuMicros / Math.max(1, delivered)),
      // The same CPU time by thread (see cpuSplit): main thread, busiest other (the SFU worker), the rest.
      usMainThread: round(split.main / Math.max(1, delivered), 2),
      usBusiestThread: round(split.busiest / Math.max(1, delivered), 2),
      usOtherThreads: round(split.rest / Math.max(1, delivered), 2),
      // How much of the window the busiest thread (the SFU worker) was runnable but waiting for a
      // CPU: the machine's contention (bots, other processes), which every forwarded packet waits out.
      workerRunqueueWaitPct: round((100 * workerWait) / 1e6 / ((t1 - t0) / 1000), 2),
      // How often the SFU worker was put on a CPU, per second: its event-loop turns (a wake-up
      // each; on a VM one costs tens of µs) plus preemptions.
      workerWakeupsPerSecond: Math.round(workerSlices / ((t1 - t0) / 1000)),
      deliveredPct: round((100 * delivered) / Math.max(1, forwarded), 2),
      worstSubscriberPct: round(100 * Math.min(...perSubscriber), 2),
      outPps: Math.round(delivered / seconds),
      cpuPct: round((100 * cpuMicros) / 1e6 / seconds),
      // The bots share one process: near 100 % it is the receiving side that limits.
      botsCpuPct: round((100 * (botsUsage.user + botsUsage.system)) / 1e6 / seconds),
      inPps: Math.round(sent / seconds),
      delayP50Ms: round(percentile(delays, 0.5), 2),
      delayP99Ms: round(percentile(delays, 0.99), 2),
      delayMeasuredBy: probe ? "a subscriber in its own process" : "the bench process (shared with every bot)",
      // With CONFAB_BENCH_CAPTURE=1: the same delay from a loopback capture, publisher's packet in
      // → the SFU's copy out to the probe's subscriber (kernel timestamps: the SFU's part alone).
      ...(sfuDelay ? { sfuDelayP50Ms: round(percentile(sfuDelay, 0.5), 2), sfuDelayP99Ms: round(percentile(sfuDelay, 0.99), 2), sfuDelaySamples: sfuDelay.length, sfuDelayOutOfOrder: sfuOutOfOrder } : {}),
      // Most packets that reached the probe's subscriber within 1 ms (0: no probe).
      largestBurst: probed.burst,
      // The probe's own lag (measurement error, included in the delays above): its event loop's delay p99 and longest GC pause.
      probeLoopDelayP99Ms: round(probed.loopDelayP99Ms, 2),
      probeGcMaxMs: round(probed.gcMaxMs, 2),
      fastpath,
      udpSockets,
      rooms: roomCount,
      subscribers,
      workers: options.workers ?? "default",
      countOnlySubscribers: options.countOnly ? roomCount * (subscribers - 1) : 0,
      seconds: round(seconds),
      warmupSeconds: warmupSeconds(),
    };
  } finally {
    capture?.kill();
    probe?.close();
    await Promise.all(bots.map((b) => b.close()));
    await server.stop();
  }
}

/** A loopback capture of the probe's two connections (its publisher's datagrams and its subscriber's). */
async function startCapture(probe: DelayProbe, keepAt: string | undefined): Promise<LoopbackCapture> {
  const { publisher, subscriber } = probe.ports;
  if (publisher === undefined || subscriber === undefined) throw new Error("CONFAB_BENCH_CAPTURE: the probe's nominated ports are unknown");
  const file = keepAt ?? join(tmpdir(), `confab-bench-${process.pid}.pcap`);
  return LoopbackCapture.start(`udp and (src port ${publisher} or dst port ${subscriber})`, file, keepAt !== undefined);
}

export function percentile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
