import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { connect, createServer, type Server } from "node:net";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import { CHROMIUM_PATH } from "@confab/bots/chromium";
import { FIREFOX_PATH } from "./firefox.js";

const LINKEM = fileURLToPath(new URL("./linkem.py", import.meta.url));

/** Impairment of the emulated link, both directions (rate 0: unlimited). */
export interface LinkImpairment {
  /** bit/s */
  rate: number;
  /** one-way, seconds */
  delay: number;
  /** 0–1 */
  loss: number;
  /** longest queue before tail drop, seconds */
  queue?: number;
}

/** Why namespaces cannot be made here, or undefined when they can (root and iproute2). */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "network namespaces need root";
  try {
    execFileSync("ip", ["-V"], { stdio: "ignore" });
    execFileSync("python3", ["--version"], { stdio: "ignore" });
    execFileSync("nft", ["--version"], { stdio: "ignore" });
  } catch {
    return "needs iproute2 (ip), python3 and nftables (nft)";
  }
  return undefined;
}

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/**
 * Two network namespaces of our own — "server" and "client" — joined by one point-to-point
 * link (a TUN device in each, bridged by e2e/support/linkem.py, which emulates rate, delay and
 * loss because this kernel has no netem). Addresses exist only on those devices; there is no
 * route anywhere else.
 */
export class EmulatedLink {
  readonly serverAddress = "10.213.0.1";
  readonly clientAddress = "10.213.0.2";
  private readonly dir = mkdtempSync(join(tmpdir(), "confab-netns-"));
  private emulator: ChildProcess | undefined;
  private lines: Interface | undefined;
  private readonly replies: string[] = [];
  private waiters: ((line: string) => void)[] = [];
  private readonly children: ChildProcess[] = [];
  private readonly servers: Server[] = [];

  private constructor(
    readonly serverNs: string,
    readonly clientNs: string,
  ) {}

  static async create(): Promise<EmulatedLink> {
    const tag = `${process.pid % 100000}`;
    const link = new EmulatedLink(`confab-srv-${tag}`, `confab-cli-${tag}`);
    try {
      await link.setUp();
    } catch (error) {
      link.close();
      throw error;
    }
    return link;
  }

  /** Command prefix that runs a program inside a namespace. */
  prefix(ns: string): string[] {
    return ["ip", "netns", "exec", ns];
  }

  /** A Chromium executable that starts inside `ns` (for Playwright's executablePath). */
  chromiumIn(ns: string): string {
    const path = join(this.dir, `chromium-${ns}.sh`);
    writeFileSync(path, `#!/bin/sh\nexec ip netns exec ${ns} ${CHROMIUM_PATH} "$@"\n`);
    chmodSync(path, 0o755);
    return path;
  }

  /**
   * A Firefox executable that starts inside `ns`, and a bridge that makes its WebDriver BiDi
   * port (`port` on the namespace's own loopback) reachable at 127.0.0.1:`port` here, so
   * puppeteer can drive it (Playwright drives Chromium over a pipe, which needs no bridge).
   * The two halves meet at a Unix socket: the file system is shared across namespaces.
   */
  async firefoxIn(ns: string, port: number): Promise<string> {
    const socket = join(this.dir, `bidi-${ns}.sock`);
    const inside = join(this.dir, `bidi-${ns}.cjs`);
    writeFileSync(
      inside,
      `const net = require("node:net");
net.createServer((c) => { const t = net.connect(${port}, "127.0.0.1"); c.pipe(t).pipe(c); c.on("error", () => t.destroy()); t.on("error", () => c.destroy()); }).listen(${JSON.stringify(socket)});
process.stdin.on("end", () => process.exit(0)).resume();\n`,
    );
    const forwarder = spawn("ip", ["netns", "exec", ns, process.execPath, inside], { stdio: ["pipe", "ignore", "inherit"] });
    this.children.push(forwarder);
    const outside = createServer((c) => {
      const t = connect(socket);
      c.pipe(t).pipe(c);
      c.on("error", () => t.destroy());
      t.on("error", () => c.destroy());
    });
    await new Promise<void>((resolve, reject) => outside.once("error", reject).listen(port, "127.0.0.1", resolve));
    this.servers.push(outside);
    const path = join(this.dir, `firefox-${ns}.sh`);
    writeFileSync(path, `#!/bin/sh\nexec ip netns exec ${ns} ${FIREFOX_PATH} "$@"\n`);
    chmodSync(path, 0o755);
    return path;
  }

  /**
   * Drops every UDP datagram in and out of `ns` (nftables), as networks that allow only TCP
   * do: ICE over UDP, STUN and TURN over UDP all fail there.
   */
  blockUdp(ns: string): void {
    const rules = [
      "table inet confab_block_udp {",
      "  chain output { type filter hook output priority 0; policy accept; meta l4proto udp drop; }",
      "  chain input { type filter hook input priority 0; policy accept; meta l4proto udp drop; }",
      "}",
    ].join("\n");
    execFileSync("ip", ["netns", "exec", ns, "nft", "-f", "-"], { input: rules, stdio: ["pipe", "ignore", "pipe"] });
  }

  /** Drops TCP connections from `ns` to these destination ports (nftables), e.g. a TURN server's. */
  blockTcpPorts(ns: string, ports: number[]): void {
    const rules = [
      "table inet confab_block_tcp {",
      `  chain output { type filter hook output priority 0; policy accept; tcp dport { ${ports.join(", ")} } drop; }`,
      "}",
    ].join("\n");
    execFileSync("ip", ["netns", "exec", ns, "nft", "-f", "-"], { input: rules, stdio: ["pipe", "ignore", "pipe"] });
  }

  /** Removes what {@link blockTcpPorts} added. */
  unblockTcpPorts(ns: string): void {
    execFileSync("ip", ["netns", "exec", ns, "nft", "delete", "table", "inet", "confab_block_tcp"], { stdio: ["ignore", "ignore", "pipe"] });
  }

  /** Applies impairment to the link (both directions). */
  async impair(impairment: LinkImpairment): Promise<void> {
    const reply = this.nextLine();
    this.emulator?.stdin?.write(`${JSON.stringify(impairment)}\n`);
    if ((await reply) !== "ok") throw new Error("link emulator did not accept the impairment");
  }

  /**
   * Takes the client's side of the link down (`up` false) or back up: its programs see their
   * network interface disappear and come back, as when a laptop loses and finds its Wi-Fi.
   */
  setClientLink(up: boolean): void {
    ip("-n", this.clientNs, "link", "set", "cfc0", up ? "up" : "down");
  }

  /** Removes every namespace, device and the emulator; idempotent. */
  close(): void {
    for (const child of this.children.splice(0)) {
      child.stdin?.end();
      child.kill();
    }
    for (const server of this.servers.splice(0)) server.close();
    this.emulator?.stdin?.end();
    this.emulator?.kill();
    this.emulator = undefined;
    this.lines?.close();
    for (const ns of [this.serverNs, this.clientNs]) {
      try {
        ip("netns", "del", ns);
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async setUp(): Promise<void> {
    const sides = [
      [this.serverNs, "cfs0", this.serverAddress, this.clientAddress],
      [this.clientNs, "cfc0", this.clientAddress, this.serverAddress],
    ] as const;
    for (const [ns, dev, local, peer] of sides) {
      try {
        ip("netns", "del", ns); // left over by a run that was killed
      } catch {
        // none
      }
      ip("netns", "add", ns);
      ip("-n", ns, "link", "set", "lo", "up");
      ip("-n", ns, "tuntap", "add", "dev", dev, "mode", "tun");
      ip("-n", ns, "addr", "add", local, "peer", peer, "dev", dev);
      ip("-n", ns, "link", "set", dev, "up");
    }
    this.emulator = spawn("python3", [LINKEM, this.serverNs, "cfs0", this.clientNs, "cfc0"], { stdio: ["pipe", "pipe", "inherit"] });
    this.lines = createInterface({ input: this.emulator.stdout! });
    this.lines.on("line", (line) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter(line);
      else this.replies.push(line);
    });
    const ready = await Promise.race([this.nextLine(), new Promise<string>((r) => setTimeout(() => r("timeout"), 10_000))]);
    if (ready !== "ready") throw new Error(`link emulator did not start (${ready})`);
  }

  private nextLine(): Promise<string> {
    const queued = this.replies.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
