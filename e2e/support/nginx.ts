import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The documented nginx config (README, "Deploying on the internet"): the file the test runs. */
export const NGINX_CONF = fileURLToPath(new URL("../../deploy/nginx/confab.conf", import.meta.url));
const WEB_DIST = fileURLToPath(new URL("../../packages/web/dist", import.meta.url));

/** Debian's nginx binary: installed with apt-get when missing and we are root. */
function nginxBinary(): string {
  const found = spawnSync("sh", ["-c", "command -v nginx || ls /usr/sbin/nginx"], { encoding: "utf8" }).stdout.trim().split("\n")[0];
  if (found) return found;
  if (process.getuid?.() !== 0) throw new Error("nginx is missing: run `sudo apt-get install -y nginx`");
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "nginx"], { stdio: "ignore", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  return "/usr/sbin/nginx";
}

/**
 * The deploy config with only ports and paths changed (each must be found, so an edit of the
 * documented file that the test no longer matches fails here rather than going untested).
 */
export function templatedConfig(ports: { confab: number; https: number; http: number }, paths: { cert: string; key: string; acme: string }): string {
  let conf = readFileSync(NGINX_CONF, "utf8");
  const swaps: [string, string][] = [
    ["server 127.0.0.1:8080;", `server 127.0.0.1:${ports.confab};`],
    ["listen 443 ssl http2;", `listen 127.0.0.1:${ports.https} ssl http2;`],
    ["listen 80;", `listen 127.0.0.1:${ports.http};`],
    ["/etc/letsencrypt/live/meet.example.org/fullchain.pem", paths.cert],
    ["/etc/letsencrypt/live/meet.example.org/privkey.pem", paths.key],
    ["/opt/confab/packages/web/dist", WEB_DIST],
    ["/var/www/letsencrypt", paths.acme],
  ];
  for (const [from, to] of swaps) {
    if (!conf.includes(from)) throw new Error(`deploy/nginx/confab.conf no longer contains "${from}": update e2e/support/nginx.ts`);
    conf = conf.split(from).join(to);
  }
  return conf;
}

/** GET over HTTPS accepting the test's self-signed certificate; resolves with the status. */
function httpsStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.end();
  });
}

/**
 * A real nginx (Debian's) in front of a Confab server on loopback, from the deploy config: its
 * own prefix, pid, logs and temp paths in a temporary directory, a self-signed certificate
 * made with openssl, run as a child in the foreground (`daemon off`).
 */
export class Nginx {
  private constructor(
    private readonly child: ChildProcess,
    readonly dir: string,
    readonly httpsUrl: string,
    readonly httpUrl: string,
  ) {}

  static async start(ports: { confab: number; https: number; http: number }): Promise<Nginx> {
    const binary = nginxBinary();
    const dir = mkdtempSync(join(tmpdir(), "confab-nginx-"));
    for (const sub of ["logs", "tmp", "acme"]) mkdirSync(join(dir, sub));
    const cert = join(dir, "cert.pem");
    const key = join(dir, "key.pem");
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
      "-subj", "/CN=confab-e2e", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout", key, "-out", cert,
    ], { stdio: "ignore" });
    writeFileSync(join(dir, "confab.conf"), templatedConfig(ports, { cert, key, acme: join(dir, "acme") }));
    const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `${t}_temp_path ${join(dir, "tmp", t)};`).join("\n  ");
    // The wrapper is the test's (nginx.conf of Debian holds the same http{} defaults); the
    // server blocks are the deploy file's, included as /etc/nginx/sites-enabled would.
    writeFileSync(
      join(dir, "nginx.conf"),
      `${process.getuid?.() === 0 ? "user root;\n" : ""}worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "logs", "error.log")} warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log ${join(dir, "logs", "access.log")};
  ${temp}
  include ${join(dir, "confab.conf")};
}
`,
    );
    const args = ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "logs", "error.log"), "-g", "daemon off;"];
    const check = spawnSync(binary, ["-t", ...args], { encoding: "utf8" });
    if (check.status !== 0) throw new Error(`nginx -t refused the config: ${check.stderr}`);
    const child = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const nginx = new Nginx(child, dir, `https://127.0.0.1:${ports.https}`, `http://127.0.0.1:${ports.http}`);
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${stderr}`);
      const status = await httpsStatus(`${nginx.httpsUrl}/healthz`).catch(() => 0);
      if (status === 200) return nginx;
      if (Date.now() > deadline) {
        await nginx.stop();
        throw new Error(`nginx did not proxy /healthz within 15 s (last status ${status}): ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** nginx's error log (for a failing test's message). */
  errorLog(): string {
    try {
      return readFileSync(join(this.dir, "logs", "error.log"), "utf8");
    } catch {
      return "";
    }
  }

  /** Stops nginx (graceful quit, then SIGKILL after 3 s) and removes its directory; idempotent. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
      this.child.kill("SIGQUIT");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
