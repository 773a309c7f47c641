import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { PublishedTrack } from "@confab/protocol";
import { ConfigError, loadConfig } from "../config/env.js";
import type { RunningServer } from "../server.js";
import { startTestServer, wsUrl, WireClient } from "../testing/index.js";
import { verifyWebhookSignature, webhookAuthorization } from "./signature.js";
import { WebhookBody } from "./WebhookBody.js";
import { Webhooks } from "./Webhooks.js";
import type { WorkerPool } from "../worker/WorkerPool.js";

/** One request the receiver got. */
interface Received {
  body: string;
  authorization: string | undefined;
  contentType: string | undefined;
}

/**
 * A real HTTP receiver on loopback. `answer` decides each request's fate: a status, or
 * "hang" (never answers; the server's timeout must end it).
 */
async function receiver(answer: (n: number) => number | "hang" = () => 204): Promise<{ url: string; requests: Received[]; server: Server }> {
  const requests: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({ body: Buffer.concat(chunks).toString("utf8"), authorization: req.headers.authorization, contentType: req.headers["content-type"] });
      const fate = answer(requests.length);
      if (fate === "hang") return;
      res.writeHead(fate).end();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  open.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, requests, server };
}

const open: { close(): unknown; closeAllConnections?(): void }[] = [];
const clients: WireClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const o of open.splice(0).reverse()) {
    o.closeAllConnections?.();
    await o.close();
  }
});

async function serverWith(url: string, webhooks: Partial<RunningServer["config"]["webhooks"]> = {}): Promise<RunningServer> {
  const server = await startTestServer({ webhooks: { urls: [url], retryBaseMs: 20, retryMaxMs: 100, ...webhooks } });
  open.push(server);
  return server;
}

async function join(server: RunningServer, room: string, name: string): Promise<WireClient> {
  const c = await WireClient.joined(wsUrl(server), room, name);
  clients.push(c);
  return c;
}

const fixture = (name: string) => readFileSync(new URL(`../sfu/fixtures/${name}`, import.meta.url), "utf8");

/** Publishes Chromium's captured offer (microphone, camera, screen, screen audio): tracks exist as soon as it is applied. */
async function publish(c: WireClient): Promise<void> {
  const tracks = JSON.parse(fixture("chromium-camera-mic-screen.tracks.json")) as PublishedTrack[];
  c.sendJson({ type: "sdp", pc: "publisher", description: { type: "offer", sdp: fixture("chromium-camera-mic-screen.offer.sdp") }, tracks });
  await c.next("sdp");
}

function bodies(requests: Received[]): WebhookBody[] {
  return requests.map((r) => WebhookBody.parse(JSON.parse(r.body)));
}

describe("webhook signatures", () => {
  it("verify over the exact body under the API secret, and fail for another body or secret", () => {
    const body = JSON.stringify({ event: "room_started", n: 1 });
    const header = webhookAuthorization(body, "s3cret-s3cret-s3cret-s3cret-s3cret");
    expect(header).toMatch(/^HMAC-SHA256 [0-9a-f]{64}$/);
    expect(verifyWebhookSignature(body, header, "s3cret-s3cret-s3cret-s3cret-s3cret")).toBe(true);
    expect(verifyWebhookSignature(body.replace("1", "2"), header, "s3cret-s3cret-s3cret-s3cret-s3cret")).toBe(false);
    expect(verifyWebhookSignature(body, header, "another-secret-another-secret-xx")).toBe(false);
    expect(verifyWebhookSignature(body, undefined, "s3cret-s3cret-s3cret-s3cret-s3cret")).toBe(false);
  });
});

describe("the README's receiver", () => {
  it("accepts a body the server signed and refuses a forged or unsigned one", async () => {
    const readme = readFileSync(new URL("../../../../README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("**Signature.**"));
    const snippet = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    expect(snippet).toContain(".listen(9000)");
    const dir = mkdtempSync(joinPath(tmpdir(), "confab-readme-hook-"));
    const file = joinPath(dir, "receiver.mjs");
    // Port 0 and a line telling which port it got: the only change to the README's code.
    writeFileSync(file, snippet!.replace(".listen(9000);", ".listen(0, function () { console.log(this.address().port); });"));
    const secret = "readme-secret-readme-secret-readme-secret";
    const child = spawn(process.execPath, [file], { env: { ...process.env, CONFAB_API_SECRET: secret }, stdio: ["ignore", "pipe", "inherit"] });
    open.push({ close: () => (child.kill(), rmSync(dir, { recursive: true, force: true })) });
    const [port] = (await once(child.stdout!, "data")) as [Buffer];
    const url = `http://127.0.0.1:${port.toString().trim()}/`;
    const body = JSON.stringify({ event: "room_started", id: "x", createdAt: 1, room: { name: "standup" } });
    const post = (authorization?: string) =>
      fetch(url, { method: "POST", body, headers: authorization ? { authorization } : {} }).then((r) => r.status);
    expect(await post(webhookAuthorization(body, secret))).toBe(204);
    expect(await post(webhookAuthorization(body, "another-secret-another-secret-xx"))).toBe(401);
    expect(await post()).toBe(401);
  });
});

describe("WEBHOOK_URLS", () => {
  it("takes comma-separated http and https URLs", () => {
    const config = loadConfig({ WEBHOOK_URLS: " https://hooks.example.org/confab , http://127.0.0.1:9000/x " });
    expect(config.webhooks.urls).toEqual(["https://hooks.example.org/confab", "http://127.0.0.1:9000/x"]);
    expect(loadConfig({}).webhooks.urls).toEqual([]);
  });

  it("refuses anything but absolute http(s) URLs without credentials, with a ConfigError naming it", () => {
    for (const bad of ["ftp://example.org/x", "hooks.example.org/x", "file:///etc/passwd", "https://user:pw@example.org/x", "javascript:alert(1)"]) {
      expect(() => loadConfig({ WEBHOOK_URLS: `https://ok.example.org,${bad}` }), bad).toThrow(ConfigError);
    }
    expect(() => loadConfig({ WEBHOOK_URLS: "ftp://example.org/x" })).toThrow(/WEBHOOK_URLS: "ftp:\/\/example.org\/x"/);
  });
});

describe("webhooks from a meeting on an SFU worker", () => {
  it("deliver every event type, in order, as signed JSON bodies", async () => {
    const hook = await receiver();
    const server = await serverWith(hook.url);
    const ann = await join(server, "hooked", "Ann");
    await publish(ann);
    const bob = await join(server, "hooked", "Bob");
    ann.sendJson({ type: "leave" });
    await ann.next("left");
    bob.sendJson({ type: "leave" });
    await bob.next("left");
    await expect.poll(() => hook.requests.at(-1)?.body ?? "", { timeout: 15_000 }).toContain('"room_ended"');

    for (const r of hook.requests) {
      expect(r.contentType).toBe("application/json");
      expect(verifyWebhookSignature(r.body, r.authorization, server.config.auth.apiSecret)).toBe(true);
    }
    const events = bodies(hook.requests);
    const annId = ann.joinedMessage!.self.id;
    const bobId = bob.joinedMessage!.self.id;
    expect(events.map((e) => [e.event, "participant" in e ? e.participant.id : undefined])).toEqual([
      ["room_started", undefined],
      ["participant_joined", annId],
      ...Array.from({ length: 4 }, () => ["track_published", annId]),
      ["participant_joined", bobId],
      ...Array.from({ length: 4 }, () => ["track_unpublished", annId]),
      ["participant_left", annId],
      ["participant_left", bobId],
      ["room_ended", undefined],
    ]);
    expect(events.every((e) => e.room.name === "hooked")).toBe(true);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    const published = events.filter((e) => e.event === "track_published").map((e) => ("track" in e ? e.track.source : ""));
    expect(published.sort()).toEqual(["camera", "microphone", "screen", "screen-audio"]);
    expect(events.find((e) => e.event === "participant_joined")).toMatchObject({ participant: { name: "Ann", role: "moderator" } });
    expect(events.find((e) => e.event === "participant_left")).toMatchObject({ reason: "left" });
    expect(events.at(-1)).toMatchObject({ event: "room_ended", reason: "empty" });
    expect(server.webhooks!.counters).toMatchObject({ delivered: events.length, failed: 0, dropped: 0, retries: 0 });
  });

  it("close the story of a room whose SFU worker died: its tracks unpublished, its people left, the room ended, reason lost", async () => {
    const hook = await receiver();
    const server = await serverWith(hook.url);
    const ann = await join(server, "doomed", "Ann");
    await publish(ann);
    await join(server, "doomed", "Bob");
    await expect.poll(() => bodies(hook.requests).filter((e) => e.event === "participant_joined").length, { timeout: 15_000 }).toBe(2);
    const before = hook.requests.length;
    const pool = server.rooms as WorkerPool;
    await pool.terminate(pool.workerOf("doomed")!);
    await expect.poll(() => bodies(hook.requests).at(-1)?.event, { timeout: 15_000 }).toBe("room_ended");
    const after = bodies(hook.requests.slice(before));
    expect(after.map((e) => e.event)).toEqual([...Array.from({ length: 4 }, () => "track_unpublished"), "participant_left", "participant_left", "room_ended"]);
    expect(after.filter((e) => e.event === "participant_left").map((e) => ("participant" in e ? e.participant.name : ""))).toEqual(["Ann", "Bob"]);
    expect(after.every((e) => !("reason" in e) || e.reason === "lost")).toBe(true);
    for (const r of hook.requests) expect(verifyWebhookSignature(r.body, r.authorization, server.config.auth.apiSecret)).toBe(true);
  });

  it("retry a receiver answering 500 a bounded number of times, and the meeting goes on", async () => {
    const hook = await receiver(() => 500);
    const server = await serverWith(hook.url, { maxAttempts: 3 });
    await join(server, "failing", "Ann");
    // room_started and participant_joined, three attempts each, then given up.
    await expect.poll(() => server.webhooks!.counters.failed, { timeout: 15_000 }).toBe(2);
    expect(hook.requests).toHaveLength(6);
    expect(bodies(hook.requests).map((e) => e.event)).toEqual(["room_started", "room_started", "room_started", "participant_joined", "participant_joined", "participant_joined"]);
    // Every retry of an event is the same event (one id), signed the same.
    expect(new Set(hook.requests.slice(0, 3).map((r) => r.body)).size).toBe(1);
    expect(server.webhooks!.counters.retries).toBe(4);
    const bob = await join(server, "failing", "Bob");
    expect(bob.joinedMessage!.participants.map((p) => p.name)).toEqual(["Ann"]);
  });

  it("do not retry a receiver that refuses an event for good (4xx)", async () => {
    const hook = await receiver(() => 403);
    const server = await serverWith(hook.url, { maxAttempts: 5 });
    await join(server, "refused", "Ann");
    await expect.poll(() => server.webhooks!.counters.failed, { timeout: 15_000 }).toBe(2);
    expect(hook.requests).toHaveLength(2);
    expect(server.webhooks!.counters.retries).toBe(0);
  });

  it("give up on a receiver that never answers after the timeout, at the bound of attempts", async () => {
    const hook = await receiver(() => "hang");
    const server = await serverWith(hook.url, { timeoutMs: 300, maxAttempts: 2 });
    await join(server, "hanging", "Ann");
    await expect.poll(() => server.webhooks!.counters.failed, { timeout: 20_000 }).toBe(2);
    expect(bodies(hook.requests).map((e) => e.event)).toEqual(["room_started", "room_started", "participant_joined", "participant_joined"]);
  });

  it("never hold up a meeting: with every request hanging for a minute, joins, publishing and leaves complete", async () => {
    const hook = await receiver(() => "hang");
    const server = await serverWith(hook.url, { timeoutMs: 60_000 });
    // Each step below waits at most 15 s (WireClient), far less than one webhook's timeout.
    const ann = await join(server, "unaffected", "Ann");
    const bob = await join(server, "unaffected", "Bob");
    await publish(bob);
    expect((await ann.next("track.published")).participantId).toBe(bob.joinedMessage!.self.id);
    bob.sendJson({ type: "leave" });
    await bob.next("left");
    expect((await ann.next("participant.left")).participantId).toBe(bob.joinedMessage!.self.id);
    const cat = await join(server, "unaffected", "Cat");
    expect(cat.joinedMessage!.participants.map((p) => p.name)).toEqual(["Ann"]);
    // Only the first event is under way; the rest wait their turn in order.
    expect(hook.requests).toHaveLength(1);
    expect(server.webhooks!.queued).toBeGreaterThanOrEqual(8);
  });
});

describe("a webhook receiver's queue", () => {
  it("holds at most queueSize events while its receiver hangs, dropping the oldest (counted)", async () => {
    const hook = await receiver(() => "hang");
    const webhooks = new Webhooks([hook.url], "secret-secret-secret-secret-secret", { timeoutMs: 60_000, maxAttempts: 1, retryBaseMs: 10, retryMaxMs: 10, queueSize: 5 }, pino({ level: "silent" }), "test");
    open.push({ close: () => webhooks.close(0) });
    for (let i = 0; i < 20; i++) webhooks.emit({ event: "room_started", room: `r${i}` });
    // One request under way, five waiting: the fourteen oldest waiting ones were dropped.
    expect(webhooks.queued).toBe(5);
    expect(webhooks.counters.dropped).toBe(14);
    await expect.poll(() => hook.requests.length).toBe(1);
    expect(bodies(hook.requests)[0]!.room.name).toBe("r0");
    await webhooks.close(0);
    expect(webhooks.queued).toBe(0);
  });
});
