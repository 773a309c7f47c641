import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WireClient } from "@confab/server/testing";
import { ServerProcess } from "./bench/server-process.js";

let server: ServerProcess;

beforeAll(async () => {
  // The heartbeat as shipped (ping every 1 s, 5 s timeout); a short grace period, so that a
  // participant the server did drop would also be seen leaving within this test.
  server = await ServerProcess.start({ RESUME_GRACE_MS: "1000" });
});

afterAll(async () => {
  server.signal("SIGCONT"); // never leave it stopped, whatever failed
  await server.stop();
});

describe("a server process that is paused", () => {
  it("for 3 s (SIGSTOP, SIGCONT) with six people in a room removes nobody, and nobody sees a leave or a reconnect", async () => {
    const url = `${server.url.replace("http", "ws")}/ws`;
    const six: WireClient[] = [];
    for (let i = 0; i < 6; i++) six.push(await WireClient.joined(url, "paused", `P${i}`));
    // Everyone has seen everyone join before the pause.
    for (const [i, c] of six.entries()) {
      for (let k = i + 1; k < 6; k++) await c.next("participant.joined");
    }

    server.signal("SIGSTOP");
    await new Promise((r) => setTimeout(r, 3000));
    server.signal("SIGCONT");
    // Long enough for a heartbeat round, a timeout and the grace period after it.
    await new Promise((r) => setTimeout(r, 4000));

    for (const c of six) {
      expect(c.closeCode).toBeUndefined();
      expect(c.messages.filter((m) => m.type === "participant.left" || m.type === "participant.updated")).toEqual([]);
    }
    // The server still answers every one of them.
    for (const c of six) {
      c.sendJson({ type: "ping" });
      await c.next("pong");
    }
    for (const c of six) c.close();
  }, 30_000);
});
