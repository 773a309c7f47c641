import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync, rmSync } from "node:fs";

/** One captured datagram: kernel timestamp (ms since the epoch) and its UDP ports and payload. */
export interface CapturedDatagram {
  atMs: number;
  srcPort: number;
  dstPort: number;
  payload: Buffer;
}

const PCAP_NS_MAGIC = 0xa1b23c4d;
const PCAP_US_MAGIC = 0xa1b2c3d4;
const LINKTYPE_ETHERNET = 1;
const ETHERTYPE_IPV4 = 0x0800;
const IPPROTO_UDP = 17;

/**
 * The UDP/IPv4 datagrams of a classic pcap file of an Ethernet-framed interface (Linux's `lo`),
 * in either timestamp precision, in file order. Everything else, and any record cut short of its
 * headers, is skipped; a file that is not pcap throws.
 */
export function readPcap(file: Buffer): CapturedDatagram[] {
  if (file.length < 24) throw new Error("not a pcap file: shorter than its header");
  const magic = file.readUInt32LE(0);
  if (magic !== PCAP_NS_MAGIC && magic !== PCAP_US_MAGIC) throw new Error(`not a little-endian pcap file (magic ${magic.toString(16)})`);
  const fraction = magic === PCAP_NS_MAGIC ? 1e-6 : 1e-3;
  if (file.readUInt32LE(20) !== LINKTYPE_ETHERNET) throw new Error(`pcap link type ${file.readUInt32LE(20)}, expected Ethernet (1)`);
  const out: CapturedDatagram[] = [];
  for (let at = 24; at + 16 <= file.length; ) {
    const seconds = file.readUInt32LE(at);
    const frac = file.readUInt32LE(at + 4);
    const captured = file.readUInt32LE(at + 8);
    const start = at + 16;
    at = start + captured;
    if (at > file.length) break;
    const frame = file.subarray(start, at);
    if (frame.length < 14 + 20 + 8 || frame.readUInt16BE(12) !== ETHERTYPE_IPV4) continue;
    const ip = frame.subarray(14);
    const ihl = (ip[0]! & 0x0f) * 4;
    if (ip[0]! >> 4 !== 4 || ihl < 20 || ip[9] !== IPPROTO_UDP || ip.length < ihl + 8) continue;
    const udp = ip.subarray(ihl);
    out.push({ atMs: seconds * 1000 + frac * fraction, srcPort: udp.readUInt16BE(0), dstPort: udp.readUInt16BE(2), payload: udp.subarray(8) });
  }
  return out;
}

/** An RTP packet's sequence number and SSRC (undefined: STUN, DTLS, RTCP or too short). */
function rtpOf(payload: Buffer): { seq: number; ssrc: number } | undefined {
  if (payload.length < 12 || payload[0]! < 128 || payload[0]! > 191) return undefined;
  const pt = payload[1]! & 0x7f;
  if (pt >= 64 && pt <= 95) return undefined; // RTCP (RFC 5761 §4)
  return { seq: payload.readUInt16BE(2), ssrc: payload.readUInt32BE(8) };
}

/** The SSRC most of these packets carry (a media stream, not its rare retransmissions). */
function mainSsrc(packets: { ssrc: number }[]): number | undefined {
  const counts = new Map<number, number>();
  for (const p of packets) counts.set(p.ssrc, (counts.get(p.ssrc) ?? 0) + 1);
  let best: number | undefined;
  for (const [ssrc, n] of counts) if (best === undefined || n > counts.get(best)!) best = ssrc;
  return best;
}

/**
 * The SFU-added delay of each packet, ms, from a loopback capture: the publisher's packet seen
 * going from `publisherPort` (its first sighting) → the SFU's copy seen going to
 * `subscriberPort`, matched by RTP sequence number (the SFU keeps the publisher's numbering),
 * for the `count` sequence numbers from `first` (wrapping). Kernel timestamps: the measuring
 * processes' own pauses are not in it. `outOfOrder` counts copies seen before their original,
 * which only a numbering that does not match can give: a caller should distrust the delays then.
 */
export function sfuDelays(
  datagrams: CapturedDatagram[],
  publisherPort: number,
  subscriberPort: number,
  first: number,
  count: number,
): { delays: number[]; outOfOrder: number } {
  const inbound: { seq: number; ssrc: number; at: number }[] = [];
  const outbound: { seq: number; ssrc: number; at: number }[] = [];
  for (const d of datagrams) {
    const rtp = d.srcPort === publisherPort || d.dstPort === subscriberPort ? rtpOf(d.payload) : undefined;
    if (!rtp) continue;
    (d.srcPort === publisherPort ? inbound : outbound).push({ ...rtp, at: d.atMs });
  }
  const inSsrc = mainSsrc(inbound);
  const outSsrc = mainSsrc(outbound);
  const sentAt = new Map<number, number>();
  for (const p of inbound) if (p.ssrc === inSsrc && !sentAt.has(p.seq)) sentAt.set(p.seq, p.at);
  const arrivedAt = new Map<number, number>();
  for (const p of outbound) if (p.ssrc === outSsrc && !arrivedAt.has(p.seq)) arrivedAt.set(p.seq, p.at);
  const delays: number[] = [];
  // A copy seen before its original: the numbering did not match (or the capture is wrong).
  let outOfOrder = 0;
  for (let i = 0; i < Math.min(count, 0x10000); i++) {
    const seq = (first + i) & 0xffff;
    const sent = sentAt.get(seq);
    const arrived = arrivedAt.get(seq);
    if (sent === undefined || arrived === undefined) continue;
    if (arrived >= sent) delays.push(arrived - sent);
    else outOfOrder++;
  }
  return { delays, outOfOrder };
}

/**
 * `tcpdump` on the loopback interface, headers only, for a BPF `filter`, into `file`. Needs
 * tcpdump and the right to capture (root); {@link start} says why not otherwise.
 */
export class LoopbackCapture {
  private constructor(
    private readonly child: ChildProcess,
    readonly file: string,
    private readonly keep: boolean,
  ) {}

  /** `keep`: leave the file when stopped (for Wireshark or a closer look). */
  static async start(filter: string, file: string, keep = false): Promise<LoopbackCapture> {
    const child = spawn("tcpdump", ["-i", "lo", "-n", "-s", "96", "-B", "16384", "--time-stamp-precision=nano", "-w", file, filter], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    // tcpdump says "listening on lo" once its filter is attached.
    const listening = new Promise<void>((resolve, reject) => {
      child.stderr!.on("data", () => stderr.includes("listening on") && resolve());
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`tcpdump exited with ${code}: ${stderr.trim()}`)));
    });
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`tcpdump did not start: ${stderr.trim()}`)), 5000).unref());
    try {
      await Promise.race([listening, timeout]);
    } catch (error) {
      child.kill("SIGKILL");
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`the loopback capture needs tcpdump (apt-get install tcpdump) and root: ${reason}`);
    }
    return new LoopbackCapture(child, file, keep);
  }

  /** Stops tcpdump without reading its file (a run that failed); idempotent. */
  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
    if (!this.keep) rmSync(this.file, { force: true });
  }

  /** Stops the capture (tcpdump flushes its file) and returns the datagrams; removes the file unless kept. */
  async stop(): Promise<CapturedDatagram[]> {
    if (this.child.exitCode === null) {
      const exited = once(this.child, "exit");
      this.child.kill("SIGINT");
      await exited;
    }
    try {
      return readPcap(readFileSync(this.file));
    } finally {
      if (!this.keep) rmSync(this.file, { force: true });
    }
  }
}
