import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { WebSocket } from "ws";
import { ServerProcess } from "@confab/bots";
import { PROTOCOL_VERSION } from "@confab/protocol";
import type { Browser } from "@playwright/test";
import { E2E_PORT } from "../playwright.config.js";
import { NGINX_CONF, Nginx } from "../support/nginx.js";
import { expectRemoteVideosAdvancing, recordPeerConnections, roomName } from "../support/room.js";
import { expect, test } from "../support/test.js";

/** A Confab server and an nginx of this spec's own, on ports no other spec uses. */
const PORTS = { confab: E2E_PORT + 11, https: E2E_PORT + 12, http: E2E_PORT + 13 };

type LogLine = Record<string, unknown>;
const logLines = (server: ServerProcess): LogLine[] =>
  server.output.flatMap((line) => {
    try {
      return [JSON.parse(line) as LogLine];
    } catch {
      return [];
    }
  });

/** Opens `https://…/<room>` through nginx (self-signed certificate accepted) and joins. */
async function joinThroughNginx(browser: Browser, nginx: Nginx, room: string, name: string) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  await context.addInitScript(recordPeerConnections);
  const page = await context.newPage();
  await page.goto(`${nginx.httpsUrl}/${room}`);
  await page.getByTestId("display-name").fill(name);
  await page.getByTestId("join").click();
  await expect(page.locator("[data-testid=tile][data-local]")).toBeVisible();
  return page;
}

/**
 * Says hello and joins `room` over nginx's WebSocket from source address `from`, claiming to be
 * `spoofed` in X-Forwarded-For; resolves with the participant id.
 */
function joinFrom(nginx: Nginx, room: string, from: string, spoofed: string): Promise<{ id: string; ws: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${nginx.httpsUrl.replace("https", "wss")}/ws`, {
      rejectUnauthorized: false,
      localAddress: from,
      headers: { "x-forwarded-for": spoofed },
    });
    ws.on("error", reject);
    ws.on("open", () => ws.send(JSON.stringify({ type: "hello", protocolVersion: PROTOCOL_VERSION })));
    ws.on("message", (data) => {
      const m = JSON.parse(data.toString()) as { type: string; self?: { id: string } };
      if (m.type === "welcome") ws.send(JSON.stringify({ type: "join", room, name: "Proxy check" }));
      if (m.type === "joined") resolve({ id: m.self!.id, ws });
    });
  });
}

/** The status and Location of a plain-HTTP GET (no redirect followed). */
function httpGet(url: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    httpRequest(url, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
    })
      .on("error", reject)
      .end();
  });
}

test.describe("behind nginx (deploy/nginx/confab.conf)", () => {
  let server: ServerProcess;
  let nginx: Nginx;

  test.beforeAll(async () => {
    server = await ServerProcess.start({ PORT: String(PORTS.confab), TRUST_PROXY: "1", LOG_LEVEL: "info" });
    nginx = await Nginx.start(PORTS);
  });

  test.afterAll(async () => {
    await nginx?.stop();
    await server?.stop();
  });

  test("two people join over HTTPS through nginx and see each other's video", async ({ browser }) => {
    const room = roomName("nginx");
    const ann = await joinThroughNginx(browser, nginx, room, "Ann");
    const bob = await joinThroughNginx(browser, nginx, room, "Bob");
    try {
      await expectRemoteVideosAdvancing(ann, 1);
      await expectRemoteVideosAdvancing(bob, 1);
    } catch (error) {
      throw new Error(`through nginx: ${(error as Error).message}\nnginx error log:\n${nginx.errorLog()}`, { cause: error });
    }
    // The page and its signaling came through nginx: the app's address is nginx's.
    expect(new URL(ann.url()).origin).toBe(nginx.httpsUrl);
    // The server's log has one line per join, and each media connection's ICE path.
    const lines = logLines(server).filter((l) => l.room === room);
    expect(lines.filter((l) => l.msg === "participant joined")).toHaveLength(2);
    const paths = () => {
      const connected = logLines(server).filter((l) => l.room === room && l.msg === "media connected");
      const distinct = new Set(connected.map((l) => `${String(l.participant)} ${String(l.pc)} ${String(l.icePath)}`));
      return [...distinct].map((p) => p.split(" ").slice(1).join(" ")).sort();
    };
    // Both people's publisher and subscriber connections, each on UDP.
    await expect.poll(paths).toEqual(["publisher udp", "publisher udp", "subscriber udp", "subscriber udp"]);
  });

  test("the app's files come from nginx with long caching; pages keep Confab's security headers; /metrics stays in; port 80 redirects", async ({ playwright }) => {
    const api = await playwright.request.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await api.get(`${nginx.httpsUrl}/${roomName("headers")}`);
      expect(page.status()).toBe(200);
      expect(page.headers()["content-security-policy"]).toContain("default-src 'self'");
      expect(page.headers()["strict-transport-security"]).toBe("max-age=63072000");
      const asset = /\/assets\/[^"]+\.js/.exec(await page.text())?.[0];
      expect(asset).toBeTruthy();
      const script = await api.get(`${nginx.httpsUrl}${asset}`);
      expect(script.status()).toBe(200);
      expect(script.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
      expect(script.headers()["content-type"]).toContain("javascript");
      expect((await api.get(`${nginx.httpsUrl}/metrics`)).status()).toBe(404);
    } finally {
      await api.dispose();
    }
    const redirect = await httpGet(`${nginx.httpUrl}/standup?x=1`);
    expect(redirect.status).toBe(301);
    expect(redirect.location).toBe("https://127.0.0.1/standup?x=1");
  });

  test("with TRUST_PROXY=1 the server logs the address nginx saw, not the proxy's nor one the client claims", async () => {
    const room = roomName("proxied");
    const { id, ws } = await joinFrom(nginx, room, "127.0.0.77", "198.51.100.9");
    try {
      await expect.poll(() => logLines(server).find((l) => l.msg === "participant joined" && l.participant === id)?.address).toBe("127.0.0.77");
    } finally {
      ws.close();
    }
  });

  test("the README shows the tested config file as it is", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const conf = readFileSync(NGINX_CONF, "utf8").trimEnd();
    expect(readme.includes(conf), "README.md must show deploy/nginx/confab.conf verbatim (copy the file into it)").toBe(true);
  });
});
