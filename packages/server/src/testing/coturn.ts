import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import net from "node:net";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The coturn configuration the README documents and operators install (deploy/coturn/turnserver.conf). */
export const COTURN_CONFIG = fileURLToPath(new URL("../../../../deploy/coturn/turnserver.conf", import.meta.url));

/** What a test changes in the documented configuration: only where coturn listens and its secret. */
export interface CoturnOptions {
  /** Address to listen and relay on. */
  address: string;
  /** TURN/STUN port (UDP and TCP). */
  port: number;
  /** TURN-over-TLS port; unset: TLS off. A self-signed certificate is made for it. */
  tlsPort?: number;
  /** Relay port range. */
  relayPorts: [number, number];
  secret: string;
  /** Peers to allow despite the denied ranges (the SFU's private test address). */
  allowedPeers?: string[];
  /** Command prefix to run coturn in a network namespace (`ip netns exec <ns>`). */
  prefix?: string[];
}

/** A port free for both UDP and TCP on `host` right now (coturn listens on both). */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  for (;;) {
    const server = net.createServer();
    const candidate = await new Promise<number>((resolve) => server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port)));
    await new Promise((resolve) => server.close(resolve));
    const udp = dgram.createSocket("udp4");
    const free = await new Promise<boolean>((resolve) => {
      udp.once("error", () => resolve(false));
      udp.bind(candidate, host, () => resolve(true));
    });
    udp.close();
    if (free) return candidate;
  }
}

/** Why coturn cannot run here, or undefined when it can. */
export function coturnUnavailable(): string | undefined {
  try {
    execFileSync("sh", ["-c", "command -v turnserver"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "coturn is not installed (apt-get install coturn)";
  }
}

/**
 * The documented configuration with the test's ports, addresses and secret: each of those
 * lines is replaced in place, everything else (authentication, denied peers, hardening) is
 * the file as shipped.
 */
export function renderCoturnConfig(template: string, options: CoturnOptions, tls?: { cert: string; key: string }): string {
  const set = (text: string, key: string, value: string | undefined): string => {
    const line = new RegExp(`^${key}=.*$`, "m");
    if (!line.test(text)) throw new Error(`deploy/coturn/turnserver.conf has no ${key}= line`);
    return text.replace(line, value === undefined ? `# (test) ${key} removed` : `${key}=${value}`);
  };
  let text = template;
  text = set(text, "listening-port", String(options.port));
  text = set(text, "tls-listening-port", options.tlsPort === undefined ? undefined : String(options.tlsPort));
  text = set(text, "listening-ip", `${options.address}\nrelay-ip=${options.address}`);
  text = set(text, "min-port", String(options.relayPorts[0]));
  text = set(text, "max-port", String(options.relayPorts[1]));
  text = set(text, "static-auth-secret", options.secret);
  text = set(text, "cert", tls?.cert);
  text = set(text, "pkey", tls?.key);
  if (!tls) text += "\nno-tls\nno-dtls\n";
  for (const peer of options.allowedPeers ?? []) text += `\nallowed-peer-ip=${peer}\n`;
  return text;
}

/** A real coturn started from the repository's configuration; `close()` stops it. */
export class Coturn {
  private output = "";

  private constructor(
    private readonly process: ChildProcess,
    private readonly dir: string,
  ) {}

  /** Starts coturn and resolves once its listeners are up. */
  static async start(options: CoturnOptions): Promise<Coturn> {
    const dir = mkdtempSync(join(tmpdir(), "confab-coturn-"));
    let tls: { cert: string; key: string } | undefined;
    if (options.tlsPort !== undefined) {
      tls = { cert: join(dir, "cert.pem"), key: join(dir, "key.pem") };
      execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=turn.confab.test", "-keyout", tls.key, "-out", tls.cert], { stdio: "ignore" });
    }
    const config = join(dir, "turnserver.conf");
    writeFileSync(config, renderCoturnConfig(readFileSync(COTURN_CONFIG, "utf8"), options, tls));
    const args = ["turnserver", "-c", config, "--log-file", "stdout", "--pidfile", join(dir, "pid"), "--userdb", join(dir, "turndb")];
    const [command, ...rest] = [...(options.prefix ?? []), ...args];
    const child = spawn(command!, rest, { stdio: ["ignore", "pipe", "pipe"] });
    const coturn = new Coturn(child, dir);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`coturn did not start:\n${coturn.output}`)), 15_000);
      const onData = (chunk: Buffer) => {
        coturn.output = (coturn.output + chunk.toString()).slice(-20_000);
        // The last threads it starts; its listeners are open by then.
        if (/auth thread/.test(coturn.output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`coturn exited (${code}):\n${coturn.output}`));
      });
    });
    return coturn;
  }

  /** What coturn logged (the last 20 KB), for failure messages. */
  get log(): string {
    return this.output;
  }

  /** Stops coturn and removes its files; idempotent. */
  async close(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      const exited = new Promise((resolve) => this.process.once("exit", resolve));
      this.process.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      if (this.process.exitCode === null) this.process.kill("SIGKILL");
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
