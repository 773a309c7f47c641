import type { FastifyInstance } from "fastify";
import type { Readiness } from "../room/RoomHost.js";

/** What `/readyz` says when the server cannot take new meetings, per reason. */
const NOT_READY: Record<NonNullable<Readiness["reason"]>, string> = {
  draining: "the server is shutting down: meetings in progress go on, new ones are refused",
  workers: "an SFU worker thread is not running",
  closed: "the server is closed",
};

/**
 * Health checks for load balancers and orchestrators:
 * - `GET /healthz`: the process is up and answers HTTP (liveness), always 200;
 * - `GET /readyz`: it can take new meetings (readiness): 200 when every SFU worker runs and
 *   it is not draining, else 503 with the reason.
 */
export function registerHealth(app: FastifyInstance, readiness: () => Readiness): void {
  app.get("/healthz", async (_req, reply) => reply.header("Cache-Control", "no-store").send({ ok: true }));
  app.get("/readyz", async (_req, reply) => {
    const r = readiness();
    reply.header("Cache-Control", "no-store");
    if (r.ready) return reply.code(200).send(r);
    return reply.code(503).send({ ...r, message: NOT_READY[r.reason ?? "closed"] });
  });
}
