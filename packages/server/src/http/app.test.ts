import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { Registry } from "prom-client";
import type { FastifyInstance } from "fastify";
import { createApp, looksLikePage } from "./app.js";

const HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

describe("what the server answers for addresses that are not rooms", () => {
  let dir = "";
  let app: FastifyInstance;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "confab-web-"));
    await mkdir(path.join(dir, "assets"));
    await writeFile(path.join(dir, "index.html"), "<!doctype html><div id=root></div>");
    await writeFile(path.join(dir, "assets", "app.js"), "console.log(1)");
    app = await createApp({ webRoot: dir, logger: pino({ level: "silent" }), metrics: new Registry(), info: { auth: "open", version: "test" } });
  });
  afterAll(async () => {
    await app?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const get = (url: string, accept = HTML) => app.inject({ method: "GET", url, headers: { accept } });

  it("serves the app for a room", async () => {
    const res = await get("/standup");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('id=root');
  });

  it("serves the app (whose bad-room page explains) with a 404 for an invalid room name or a deeper path", async () => {
    for (const url of ["/team%20standup!", "/a/b/c", "/standup/", "/x?y=1"]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(url === "/x?y=1" ? 200 : 404);
      expect(res.headers["content-type"], url).toMatch(/^text\/html/);
      expect(res.body, url).toContain("id=root");
    }
  });

  it("keeps a plain 404 for missing files, API paths and clients that do not ask for a page", async () => {
    for (const [url, accept] of [["/assets/missing.js", HTML], ["/missing.png", HTML], ["/api/rooms", HTML], ["/a/b/c", "application/json"], ["/a/b/c", "*/*"]] as const) {
      const res = await get(url, accept);
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toEqual({ error: "not found" });
    }
    expect((await get("/assets/app.js", "*/*")).statusCode).toBe(200);
  });

  it("answers a page-like POST with a 404, not the app", async () => {
    const res = await app.inject({ method: "POST", url: "/a/b/c", headers: { accept: HTML } });
    expect(res.statusCode).toBe(404);
    expect(looksLikePage("POST", "/a/b/c", HTML)).toBe(false);
  });
});
