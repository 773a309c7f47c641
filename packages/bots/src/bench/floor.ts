import { execFileSync, fork, spawn } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SERVER_NODE_FLAGS } from "@confab/server";
import type { FloorChildMessage, FloorChildReply } from "./floor-child.js";
import { serverPrefix } from "./isolate.js";
import { percentile, round } from "./fanout.js";
import { warmupSeconds, type ScenarioResult } from "./scenario.js";
import { processCpuMicros } from "./server-process.js";

const SOURCE = fileURLToPath(new URL("../../src/bench/floor-relay.c", import.meta.url));
const CHILD = fileURLToPath(new URL("./floor-child.js", import.meta.url));
const NODE_RELAY = fileURLToPath(new URL("./floor-node-relay.js", import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What {@link floor} runs. */
export interface FloorOptions {
  scenario: string;
  receivers: number;
  pps: number;
  measureSeconds: number;
  /** One socket sends to every receiver (`shared`, as with RTC_UDP_PORT) or a socket each. */
  sockets: "shared" | "per-destination";
  /** `c`: floor-relay.c (the kernel alone); `node`: floor-node-relay.js (Node's event loop and the addon's seal too). */
  relay: "c" | "node";
}

/** Compiles the relay with the system's C compiler (once per process). */
let compiled: string | undefined;
function relayBinary(): string {
  if (compiled) return compiled;
  const out = join(tmpdir(), `confab-floor-relay-${process.pid}`);
  try {
    execFileSync("cc", ["-O2", "-o", out, SOURCE], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (error) {
    throw new Error(`the floor scenarios need a C compiler (apt-get install gcc): ${error instanceof Error ? error.message : String(error)}`);
  }
  return (compiled = out);
}

/** Times a process was put on a CPU (its wake-ups plus preemptions). */
function timeslices(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").trim().split(" ")[2]);
}

/**
 * The kernel's floor under the fan-out scenarios: the same traffic (1100-byte datagrams at
 * `pps` on a 2 ms clock from a process of its own, which is also one receiver; the other
 * receivers are sockets of this process, as the bench's bots are) through a C relay that only
 * receives and sends with `sendmmsg` (floor-relay.c). Its CPU per forwarded packet is what
 * the kernel and the hypervisor charge any SFU here before it does any work.
 */
export async function floor(options: FloorOptions): Promise<ScenarioResult> {
  const { receivers, pps, measureSeconds } = options;
  const relayPort = await freePort();
  const child = fork(CHILD, [String(relayPort), String(pps)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const replies: FloorChildReply[] = [];
  child.on("message", (m: FloorChildReply) => replies.push(m));
  const reply = async <T extends FloorChildReply["type"]>(type: T): Promise<Extract<FloorChildReply, { type: T }>> => {
    for (;;) {
      const found = replies.find((r) => r.type === type);
      if (found) return found as Extract<FloorChildReply, { type: T }>;
      // A child that died answers nothing more.
      await Promise.race([once(child, "message"), once(child, "exit").then(() => Promise.reject(new Error(`the floor's sender exited (${type} expected)`)))]);
    }
  };
  const send = (m: FloorChildMessage) => child.send(m);
  const sockets: Socket[] = [];
  let received = 0;
  let first = Infinity;
  let end = Infinity;
  let relay: ReturnType<typeof spawn> | undefined;
  try {
    const ports = [(await reply("port")).port];
    for (let i = 1; i < receivers; i++) {
      const socket = createSocket("udp4");
      socket.on("message", (data: Buffer) => {
        const seq = data.readUInt32BE(0);
        if (seq >= first && seq < end) received++;
      });
      socket.bind(0, "127.0.0.1");
      await once(socket, "listening");
      sockets.push(socket);
      ports.push(socket.address().port);
    }
    const args = [String(relayPort), options.sockets, ...ports.map(String)];
    // The Node relay gets the server's GC flags (npm start), as the SFU it stands in for.
    // On the server's CPUs with CONFAB_BENCH_ISOLATE, as the SFU it stands in for.
    const [command, ...rest] = [...serverPrefix(), ...(options.relay === "c" ? [relayBinary()] : [process.execPath, ...SERVER_NODE_FLAGS, NODE_RELAY]), ...args];
    relay = spawn(command!, rest, { stdio: ["ignore", "pipe", "inherit"] });
    const started = relay;
    await Promise.race([once(started.stdout!, "data"), once(started, "exit").then(([code]) => Promise.reject(new Error(`the floor relay exited with ${String(code)}`)))]);
    const pid = relay.pid!;
    send({ type: "send" });
    await sleep(Math.min(3, warmupSeconds()) * 1000);
    send({ type: "open" });
    first = (await reply("opened")).first;
    const cpu0 = processCpuMicros(pid);
    const slices0 = timeslices(pid);
    const t0 = performance.now();
    await sleep(measureSeconds * 1000);
    const cpu = processCpuMicros(pid) - cpu0;
    const slices = timeslices(pid) - slices0;
    const seconds = (performance.now() - t0) / 1000;
    send({ type: "close" });
    end = (await reply("closed")).end;
    // Packets of the window still in flight arrive; nothing outside it counts.
    await sleep(300);
    send({ type: "collect" });
    const result = await reply("result");
    const delivered = received + result.received;
    const sent = end - first;
    return {
      scenario: options.scenario,
      usPerFwdPkt: round(cpu / Math.max(1, delivered), 2),
      deliveredPct: round((100 * delivered) / Math.max(1, sent * receivers), 2),
      relayWakeupsPerSecond: Math.round(slices / seconds),
      // Send → arrival at the sending process's own receiver, as the fan-out's delay probe measures.
      delayP50Ms: round(percentile(result.delays, 0.5), 2),
      delayP99Ms: round(percentile(result.delays, 0.99), 2),
      cpuPct: round((100 * cpu) / 1e6 / seconds),
      inPps: Math.round(sent / seconds),
      outPps: Math.round(delivered / seconds),
      receivers,
      sockets: options.sockets,
      relay: options.relay,
      seconds: round(seconds),
    };
  } finally {
    relay?.kill();
    child.kill();
    for (const s of sockets) s.close();
  }
}

async function freePort(): Promise<number> {
  const s = createSocket("udp4");
  s.bind(0, "127.0.0.1");
  await once(s, "listening");
  const { port } = s.address();
  s.close();
  return port;
}
