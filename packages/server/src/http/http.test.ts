import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../server.js";
import { startTestServer } from "../testing/index.js";

let server: RunningServer;
let guarded: RunningServer;
const webRoot = mkdtempSync(join(tmpdir(), "confab-web-"));

beforeAll(async () => {
  writeFileSync(join(webRoot, "index.html"), "<!doctype html><title>Confab</title>");
  writeFileSync(join(webRoot, "app.js"), "console.log(1)");
  writeFileSync(join(webRoot, "app.js.map"), '{"sources":["secret.ts"]}');
  server = await startTestServer({ webRoot, auth: { mode: "token" } });
  guarded = await startTestServer({ metricsToken: "scrape-me" });
});

afterAll(async () => {
  await Promise.all([server.close(), guarded.close()]);
  rmSync(webRoot, { recursive: true, force: true });
});

/** A raw HTTP request, with any Host header (fetch would not let a test set it). */
function get(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Status of a WebSocket upgrade with the given Host and Origin. */
function upgrade(base: string, host: string, origin: string): Promise<number> {
  const url = new URL("/ws", base);
  return new Promise((resolve, reject) => {
    const req = request({
      host: url.hostname,
      port: url.port,
      path: "/ws",
      headers: { Host: host, Origin: origin, Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==" },
    });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on("response", (res) => resolve(res.statusCode ?? 0));
    req.on("error", reject);
    req.end();
  });
}

describe("HTTP surface", () => {
  it("tells the web app the server's auth mode", async () => {
    const r = await get(server.httpUrl, "/info");
    expect(JSON.parse(r.body)).toMatchObject({ auth: "token" });
  });

  it("serves the app but never its source maps", async () => {
    expect((await get(server.httpUrl, "/app.js")).status).toBe(200);
    const map = await get(server.httpUrl, "/app.js.map");
    expect(map.status).toBe(404);
    expect(map.body).not.toContain("secret.ts");
  });

  it("lets the page connect only to its own origin (CSP connect-src 'self')", async () => {
    const csp = String((await get(server.httpUrl, "/")).headers["content-security-policy"]);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/connect-src[^;]*ws:/);
  });

  it("refuses a browser's WebSocket under a host name that is not ours (DNS rebinding)", async () => {
    const port = new URL(server.httpUrl).port;
    expect(await upgrade(server.httpUrl, `rebind.attacker.example:${port}`, `http://rebind.attacker.example:${port}`)).toBe(403);
    expect(await upgrade(server.httpUrl, `127.0.0.1:${port}`, `http://127.0.0.1:${port}`)).toBe(101);
    expect(await upgrade(server.httpUrl, `localhost:${port}`, `http://localhost:${port}`)).toBe(101);
  });

  it("serves /metrics to loopback, and with METRICS_TOKEN only to its bearer", async () => {
    expect((await get(server.httpUrl, "/metrics")).status).toBe(200);
    expect((await get(guarded.httpUrl, "/metrics")).status).toBe(403);
    expect((await get(guarded.httpUrl, "/metrics", { Authorization: "Bearer wrong-token" })).status).toBe(403);
    const ok = await get(guarded.httpUrl, "/metrics", { Authorization: "Bearer scrape-me" });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain("confab_rooms");
  });
});
