import { mkdtemp, readFile, rm } from "node:fs/promises";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { resolveConfig } from "../config/config.js";
import { startServer } from "../server.js";

function get(url: string): Promise<{ status: number; body: string; csp: string | undefined }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { rejectUnauthorized: false }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body, csp: res.headers["content-security-policy"] as string | undefined }),
        );
      })
      .on("error", reject);
  });
}

describe("HTTPS for LAN clients", () => {
  let dir = "";
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("generates a self-signed certificate on first start and reuses it afterwards", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "confab-tls-"));
    const config = resolveConfig({ port: 0, httpsPort: -1, host: "127.0.0.1", dataDir: dir, webRoot: "/nonexistent" });
    const first = await startServer(config, pino({ level: "silent" }));
    expect(first.httpsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await get(`${first.httpsUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ ok: true });
    expect(res.csp).toContain("default-src 'self'");
    const cert = await readFile(path.join(dir, "tls", "self-signed.crt"), "utf8");
    await first.close();

    const second = await startServer(config, pino({ level: "silent" }));
    await get(`${second.httpsUrl}/healthz`);
    expect(await readFile(path.join(dir, "tls", "self-signed.crt"), "utf8")).toBe(cert);
    await second.close();
  });
});
