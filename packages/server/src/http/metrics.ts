import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { HostStats } from "../room/RoomHost.js";
import type { FastPathInfo } from "../sfu/native/fastPath.js";
import { allocatorStats } from "../memory/allocator.js";
import { PROM_CLIENT_HISTOGRAM_MS, replaceLoopLagGauges } from "./mainLoopLag.js";
import type { MemoryReturnStats } from "../memory/MemoryReturner.js";

/**
 * Prometheus metrics of this process, read lazily at scrape time (nothing on the hot path).
 * `fastpath`: the per-packet path in use, exported as `confab_fastpath_info{path} 1`;
 * `udpSockets`: how media UDP is carried, as `confab_media_udp_sockets_info{mode} 1`.
 */
export function createMetrics(
  stats: () => HostStats,
  connections: () => number,
  fastpath?: FastPathInfo,
  memory?: MemoryReturnStats,
  udpSockets?: "shared" | "connection",
): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "confab_", eventLoopMonitoringPrecision: PROM_CLIENT_HISTOGRAM_MS });
  replaceLoopLagGauges(registry, "confab_");
  if (udpSockets) {
    new Gauge({
      name: "confab_media_udp_sockets_info",
      help: 'How media UDP is carried: "shared" (one socket per thread) or "connection" (a socket per peer connection)',
      labelNames: ["mode"],
      registers: [registry],
    }).set({ mode: udpSockets }, 1);
  }
  if (fastpath) {
    new Gauge({
      name: "confab_fastpath_info",
      help: 'Per-packet path in use: "native" (the @confab/native addon) or "js" (Node crypto + dgram)',
      labelNames: ["path"],
      registers: [registry],
    }).set({ path: fastpath.path }, 1);
  }
  new Gauge({
    name: "confab_rooms",
    help: "Rooms with at least one participant",
    registers: [registry],
    collect() {
      this.set(stats().rooms);
    },
  });
  new Gauge({
    name: "confab_participants",
    help: "Participants in all rooms",
    registers: [registry],
    collect() {
      this.set(stats().participants);
    },
  });
  new Gauge({
    name: "confab_signaling_connections",
    help: "Open signaling WebSockets",
    registers: [registry],
    collect() {
      this.set(connections());
    },
  });
  new Gauge({
    name: "confab_shared_port_addresses",
    help: "Remote addresses the shared media ports (RTC_UDP_PORT) route to a connection",
    registers: [registry],
    collect() {
      this.set(stats().sharedPortAddresses);
    },
  });
  new Gauge({
    name: "confab_sfu_workers_heap_used_bytes",
    help: "V8 heap in use by the SFU worker threads together (the main thread's is nodejs_heap_size_used_bytes)",
    registers: [registry],
    collect() {
      this.set(stats().workerHeapUsedBytes);
    },
  });
  new Gauge({
    name: "confab_sfu_worker_memory_bytes",
    help: "Each SFU worker thread's V8 memory: heap_used, heap_total, external (C++ memory held by its objects), array_buffers (part of external)",
    labelNames: ["worker", "kind"],
    registers: [registry],
    collect() {
      this.reset();
      for (const m of stats().workerMemory) {
        const worker = String(m.worker);
        this.set({ worker, kind: "heap_used" }, m.heapUsed);
        this.set({ worker, kind: "heap_total" }, m.heapTotal);
        this.set({ worker, kind: "external" }, m.external);
        this.set({ worker, kind: "array_buffers" }, m.arrayBuffers);
      }
    },
  });
  new Gauge({
    name: "confab_malloc_bytes",
    help: "glibc malloc, whole process (all threads' arenas): arena (held from the system), in_use, free (inside the arenas, resident until trimmed), mmapped",
    labelNames: ["kind"],
    registers: [registry],
    collect() {
      this.reset();
      const m = allocatorStats();
      if (!m) return;
      this.set({ kind: "arena" }, m.arenaBytes);
      this.set({ kind: "in_use" }, m.inUseBytes);
      this.set({ kind: "free" }, m.freeBytes);
      this.set({ kind: "mmapped" }, m.mmappedBytes);
    },
  });
  new Gauge({
    name: "confab_sfu_workers_event_loop_delay_p99_seconds",
    help: "The worst SFU worker thread's event-loop delay, 99th percentile over about a second",
    registers: [registry],
    collect() {
      this.set(stats().workerEventLoopDelayP99Ms / 1000);
    },
  });
  const counter = (name: string, help: string, read: () => number) => {
    let last = 0;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const v = read();
        this.inc(v - last);
        last = v;
      },
    });
  };
  counter("confab_rtp_packets_received_total", "RTP packets received from publishers", () => stats().packetsIn);
  counter("confab_rtp_packets_forwarded_total", "RTP packets handed to subscribers", () => stats().packetsOut);
  counter("confab_keyframe_requests_total", "Keyframe requests sent to publishers", () => stats().keyframeRequests);
  counter("confab_simulcast_layer_switches_total", "Simulcast layer switches made for subscribers", () => stats().layerSwitches);
  counter("confab_rtp_retransmissions_total", "RTP packets sent again to subscribers on their NACKs", () => stats().retransmissions);
  counter(
    "confab_rtp_lane_packets_total",
    "Publisher RTP packets routed by Confab's own lane (the rest: werift's routing, e.g. RTX or a stream's first packets)",
    () => stats().lanePackets,
  );
  counter(
    "confab_rtp_shortcut_packets_total",
    "Publisher SRTP packets taken from the shared UDP socket straight to decryption, without werift's ICE and DTLS dispatch",
    () => stats().shortcutPackets,
  );
  counter("confab_rtp_padding_packets_total", "Padding-only RTP packets sent to probe subscribers' bandwidth", () => stats().paddingPackets);
  counter(
    "confab_udp_sends_dropped_total",
    "Packets the native send path could not hand to the kernel (full socket send buffer, or the socket closed first)",
    () => stats().sendsDropped,
  );
  counter(
    "confab_stun_requests_dropped_total",
    "STUN requests at media ports dropped unanswered: not authenticated with the connection's ICE credentials",
    () => stats().stunRequestsDropped,
  );
  counter(
    "confab_shared_port_datagrams_dropped_total",
    "Datagrams at the shared media port dropped: from an address no connection has bound by an authenticated STUN check, or (native receive) longer than 8 KiB or not IPv4",
    () => stats().sharedPortDatagramsDropped,
  );
  counter(
    "confab_remote_candidates_refused_total",
    "Remote ICE candidates refused: loopback/multicast/unspecified address, host name, bad form, or more than a connection may have",
    () => stats().remoteCandidatesRefused,
  );
  counter(
    "confab_publisher_cap_drops_total",
    "Publisher RTP packets dropped past a participant's bitrate or packet-rate cap (RTC_MAX_PUBLISH_KBPS/PPS), or of a track the cap paused",
    () => stats().publishCapDrops,
  );
  counter("confab_publisher_cap_pauses_total", "Tracks paused because their publisher exceeded its bitrate or packet-rate cap", () => stats().publishCapPauses);
  if (memory) {
    counter("confab_malloc_trims_total", "Times free memory inside malloc's arenas was given back to the system (malloc_trim)", () => memory.trims);
    counter("confab_malloc_trim_released_bytes_total", "Resident memory those trims gave back, bytes", () => memory.releasedBytes);
  }
  return registry;
}
