import { Bot } from "../Bot.js";
import type { ReceivedTrack } from "../ReceivedTrack.js";
import { percentile, round } from "./fanout.js";
import { setupSeconds, warmupSeconds, type ScenarioResult } from "./scenario.js";
import { ServerProcess } from "./server-process.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What {@link roomsScenario} runs. */
export interface RoomsOptions {
  scenario: string;
  rooms: number;
  perRoom: number;
  measureSeconds?: number;
  workers?: number;
  /**
   * All but the first bot of each room count packets by their clear headers (and give
   * transport-wide feedback from them, as browsers would) instead of decrypting and
   * reassembling frames: 20
   * full receivers in one process saturate this machine before the SFU does.
   */
  countOnly?: boolean;
  /** Tile size every bot reports for every remote video (default 640×360: a 3×3 grid). */
  tile?: { width: number; height: number };
}

/** A receiver's counters for one remote video at the start of the window. */
interface Snapshot {
  track: ReceivedTrack;
  /** The receiver decrypts and reassembles frames (else it counts headers only). */
  decrypts: boolean;
  distinct: number;
  highest: number;
  bytes: number;
  frames: number;
  dropped: number;
}

const snap = (track: ReceivedTrack, decrypts: boolean): Snapshot => ({
  track,
  decrypts,
  distinct: track.distinctPackets,
  highest: track.highestSequence,
  bytes: track.bytes,
  frames: track.frames,
  dropped: track.droppedFrames,
});

/**
 * Meetings as a browser makes them: every bot publishes a simulcast camera (180p/360p/720p at
 * 150k/500k/1.5M, real-time 30 fps) and Opus, receives everyone else, and tells the SFU its
 * tiles' size, so each receiver gets the matching layer. Loss is measured per received video
 * from its sequence numbers (the SFU keeps them continuous across layer switches), the way a
 * receiver's RTCP would; every packet is decrypted and its VP8 frames reassembled.
 */
export async function roomsScenario(options: RoomsOptions): Promise<ScenarioResult> {
  const { rooms, perRoom, measureSeconds = 10 } = options;
  const tile = options.tile ?? { width: 640, height: 360 };
  const server = await ServerProcess.start(options.workers === undefined ? {} : { WORKERS: String(options.workers) });
  const bots: Bot[] = [];
  const decrypting = new Set<Bot>();
  try {
    for (let r = 0; r < rooms; r++) {
      const room = `bench-${Date.now().toString(36)}-${r}`;
      for (let i = 0; i < perRoom; i++) {
        const countOnly = options.countOnly === true && i > 0;
        const bot = new Bot({ url: server.url, room, name: `bot-${r}-${i}`, publish: { video: true, audio: true, simulcast: true }, countOnly, countOnlyFeedback: true });
        if (!countOnly) decrypting.add(bot);
        bots.push(bot);
        await bot.join();
      }
    }
    const deadline = Date.now() + setupSeconds(30) * 1000;
    while (bots.some((b) => b.tracks("video").filter((t) => t.packets > 0).length < perRoom - 1)) {
      if (Date.now() > deadline) throw new Error(`bots did not receive every video within ${setupSeconds(30)} s`);
      await sleep(200);
    }
    for (const b of bots) b.viewAll(tile.width, tile.height);
    // Layer switches wait for keyframes (PLI, or the 2 s keyframe interval): at least 4 s; then
    // the same warm-up as the fan-outs.
    await sleep(Math.max(4, warmupSeconds()) * 1000);

    const snaps = bots.flatMap((b) => b.tracks("video").map((t) => snap(t, decrypting.has(b))));
    const audioSnaps = bots.flatMap((b) => b.tracks("audio").map((t) => snap(t, decrypting.has(b))));
    const metrics0 = await server.metrics();
    const cpu0 = server.cpuMicros();
    const bots0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(measureSeconds * 1000);
    const cpu1 = server.cpuMicros();
    const botsUsage = process.cpuUsage(bots0);
    const seconds = (performance.now() - t0) / 1000;
    const metrics1 = await server.metrics();
    const fastpath = await server.fastpath();
    const udpSockets = await server.udpSockets();
    const perSecond = (name: string) => Math.round(((metrics1[name] ?? 0) - (metrics0[name] ?? 0)) / seconds);

    const lossPct: number[] = [];
    let received = 0;
    let expected = 0;
    let bytes = 0;
    let frames = 0;
    let dropped = 0;
    let decryptedVideos = 0;
    // Which layer each receiver got, judged by its bitrate (150k / 500k / 1.5M sent).
    const byLayer = [0, 0, 0];
    for (const s of snaps) {
      const got = s.track.distinctPackets - s.distinct;
      const span = s.track.highestSequence - s.highest;
      received += got;
      expected += Math.max(got, span);
      lossPct.push(span > 0 ? (100 * Math.max(0, span - got)) / span : 100);
      bytes += s.track.bytes - s.bytes;
      const kbps = ((s.track.bytes - s.bytes) * 8) / 1000 / seconds;
      byLayer[kbps < 300 ? 0 : kbps < 1000 ? 1 : 2]!++;
      if (s.decrypts) {
        decryptedVideos++;
        frames += s.track.frames - s.frames;
        dropped += s.track.droppedFrames - s.dropped;
      }
    }
    let audioReceived = 0;
    let audioExpected = 0;
    for (const s of audioSnaps) {
      const got = s.track.distinctPackets - s.distinct;
      audioReceived += got;
      audioExpected += Math.max(got, s.track.highestSequence - s.highest);
    }
    const videos = snaps.length;
    const totalPackets = received + audioReceived;
    const cpuMicros = cpu1 - cpu0;
    return {
      scenario: options.scenario,
      fastpath,
      udpSockets,
      usPerFwdPkt: round(cpuMicros / Math.max(1, totalPackets)),
      deliveredPct: round((100 * (received + audioReceived)) / Math.max(1, expected + audioExpected), 2),
      outPps: Math.round(totalPackets / seconds),
      cpuPct: round((100 * cpuMicros) / 1e6 / seconds),
      // The bots share one process: near 100 % it is the receiving side that limits.
      botsCpuPct: round((100 * (botsUsage.user + botsUsage.system)) / 1e6 / seconds),
      videoLossPct: round(100 - (100 * received) / Math.max(1, expected), 2),
      videoLossP99Pct: round(percentile(lossPct, 0.99), 2),
      audioLossPct: round(100 - (100 * audioReceived) / Math.max(1, audioExpected), 2),
      // What the SFU sent besides media: resends on NACKs, and padding of bandwidth probes.
      retransmissionsPerSecond: perSecond("confab_rtp_retransmissions_total"),
      paddingPacketsPerSecond: perSecond("confab_rtp_padding_packets_total"),
      kbpsPerVideo: Math.round((bytes * 8) / 1000 / seconds / Math.max(1, videos)),
      videosOnLayerQHF: byLayer.join("/"),
      // Frames are reassembled by the decrypting receivers only.
      fpsPerVideo: round(frames / seconds / Math.max(1, decryptedVideos)),
      droppedFrames: dropped,
      videos,
      decryptedVideos,
      rooms,
      perRoom,
      workers: options.workers ?? "default",
      seconds: round(seconds),
      warmupSeconds: Math.max(4, warmupSeconds()),
    };
  } finally {
    await Promise.all(bots.map((b) => b.close()));
    await server.stop();
  }
}
