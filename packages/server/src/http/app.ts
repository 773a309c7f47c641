import { timingSafeEqual } from "node:crypto";
import { existsSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import path from "node:path";
import fastifyStatic from "@fastify/static";
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { ROOM_NAME_PATTERN } from "@confab/protocol";
import { clientAddress, isLoopback } from "../net/address.js";
import type { Readiness } from "../room/RoomHost.js";
import { adminApi, type AdminApiOptions } from "./admin/index.js";
import { registerHealth } from "./health.js";

/**
 * Content Security Policy for the app: everything from this origin, media from local
 * streams, no inline scripts (Galène-style `default-src 'self'`).
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

/** `/metrics` is for the machine's own Prometheus, or for whoever holds `METRICS_TOKEN`. */
function metricsAllowed(req: IncomingMessage, token: string | undefined, hops: number): boolean {
  if (token) {
    const given = Buffer.from(req.headers.authorization ?? "");
    const expected = Buffer.from(`Bearer ${token}`);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
  return isLoopback(clientAddress(req, hops));
}

/** Public facts about this server, for the landing page (`GET /info`). */
export interface ServerInfo {
  /** `open`: anyone may start a meeting; `token`: only invitation links (signed tokens) work. */
  auth: "open" | "token";
  version: string;
}

/**
 * Whether a request that matched no route is a person's browser opening a page (answered with
 * the app) rather than a script, image or API client missing something (a JSON 404): a GET or
 * HEAD that accepts HTML, for a path whose last segment has no file extension, outside
 * `/assets/` (the built app's files) and `/api/`.
 */
export function looksLikePage(method: string, url: string, accept: string | undefined): boolean {
  if (method !== "GET" && method !== "HEAD") return false;
  if (!accept?.includes("text/html")) return false;
  const pathname = url.split(/[?#]/, 1)[0] ?? "";
  if (/^\/(assets|api)(\/|$)/.test(pathname)) return false;
  const last = pathname.slice(pathname.lastIndexOf("/") + 1);
  return !last.includes(".");
}

/** The HTTP application: the built web app (SPA), health checks, metrics and the admin API. */
export async function createApp(options: {
  webRoot: string;
  logger: Logger;
  metrics: Registry;
  https?: { cert: string; key: string };
  /** What the web app needs to know before joining (`GET /info`). */
  info: ServerInfo;
  /** `METRICS_TOKEN`: unset, /metrics answers loopback clients only. */
  metricsToken?: string | undefined;
  /** Reverse proxies trusted to tell the client's address (`TRUST_PROXY`). */
  trustProxyHops?: number;
  /** Whether the server can take new meetings (`/readyz`); default: always. */
  readiness?: () => Readiness;
  /** The admin API under `/api/` (absent: no admin API). */
  admin?: AdminApiOptions;
}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;

  app.addHook("onSend", async (_req, reply) => {
    reply.header("Content-Security-Policy", CSP);
    reply.header("X-Content-Type-Options", "nosniff");
    reply.header("Referrer-Policy", "no-referrer");
    reply.header("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self)");
  });

  registerHealth(app, options.readiness ?? (() => ({ ready: true })));
  if (options.admin) await app.register(adminApi(options.admin), { prefix: "/api" });
  app.get("/info", async () => options.info);
  app.get("/metrics", async (req, reply) => {
    if (!metricsAllowed(req.raw, options.metricsToken, options.trustProxyHops ?? 0)) {
      return reply.code(403).type("text/plain").send("metrics are for this machine, or need METRICS_TOKEN\n");
    }
    reply.type(options.metrics.contentType);
    return options.metrics.metrics();
  });

  const indexHtml = path.join(options.webRoot, "index.html");
  if (existsSync(indexHtml)) {
    // Source maps are built for developers, not served: they would publish the app's source.
    await app.register(fastifyStatic, {
      root: options.webRoot,
      index: ["index.html"],
      wildcard: false,
      allowedPath: (pathName) => !pathName.endsWith(".map"),
    });
    // The SPA owns `/` and `/<room>`. Any other address a person may type or follow
    // (`/team%20standup!`, `/a/b/c`) is a 404 that still shows the app, whose "bad room" page
    // explains it; a missing file or API path stays a plain 404 (see `looksLikePage`).
    const notFound = (req: FastifyRequest, reply: FastifyReply) =>
      looksLikePage(req.method, req.url, req.headers.accept)
        ? reply.code(404).type("text/html").sendFile("index.html")
        : reply.code(404).send({ error: "not found" });
    app.get("/:room", async (req, reply) => {
      const { room } = req.params as { room: string };
      if (!ROOM_NAME_PATTERN.test(room)) return notFound(req, reply);
      return reply.type("text/html").sendFile("index.html");
    });
    app.setNotFoundHandler(async (req, reply) => notFound(req, reply));
  } else {
    app.get("/*", async (_req, reply) =>
      reply
        .code(503)
        .type("text/plain")
        .send(`The web app is not built (${indexHtml} is missing). Run \`npm run build\` or \`npm start\`.`),
    );
  }
  return app;
}
