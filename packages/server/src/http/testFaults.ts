import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { isLoopback } from "../net/address.js";

const CrashQuery = z.object({ room: z.string().min(1).max(200) });

/**
 * Test-only fault injection, registered only with `CONFAB_TEST_FAULTS=1`:
 * `POST /_test/crash-worker?room=<name>` (from loopback) crashes the SFU worker hosting the
 * room; 204 when one was told to, 404 when none hosts it.
 */
export function registerTestFaults(app: FastifyInstance, crashWorkerOf: (room: string) => boolean): void {
  app.post("/_test/crash-worker", async (req, reply) => {
    if (!isLoopback(req.socket.remoteAddress ?? "")) return reply.code(403).send({ error: "loopback only" });
    const query = CrashQuery.safeParse(req.query);
    if (!query.success) return reply.code(400).send({ error: "room required" });
    return crashWorkerOf(query.data.room) ? reply.code(204).send() : reply.code(404).send({ error: "no worker hosts that room" });
  });
}
