import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "@confab/server";
import { startTestServer } from "@confab/server/testing";
import { TestBots } from "./testing/TestBots.js";

let server: RunningServer;
const bots = new TestBots(() => server.httpUrl);

beforeAll(async () => {
  server = await startTestServer({ workers: 2, testFaults: true });
});

afterAll(async () => {
  await bots.close();
  await server.close();
});

describe("an SFU worker that crashes", () => {
  it("does not interrupt the media of a room on another worker", async () => {
    const ann = await bots.join("crash-here", "Ann", true);
    const eve = await bots.join("crash-elsewhere", "Eve", true);
    const finn = await bots.join("crash-elsewhere", "Finn", false);
    const pool = server.rooms as unknown as { workerOf(room: string): number | undefined };
    expect(pool.workerOf("crash-elsewhere")).not.toBe(pool.workerOf("crash-here"));
    await expect.poll(() => finn.tracks("video")[0]?.packets ?? 0, { timeout: 15_000 }).toBeGreaterThan(50);
    const annClosed = new Promise<void>((resolve) => ann.events.on("closed", () => resolve()));
    const finnMessages: string[] = [];
    finn.events.on("message", (m) => finnMessages.push(m.type));

    const response = await fetch(`${server.httpUrl}/_test/crash-worker?room=crash-here`, { method: "POST" });
    expect(response.status).toBe(204);
    await annClosed; // its room is lost (ROOM_LOST)

    // Finn keeps receiving Eve's video through the crash: packets arrive in every half second.
    const video = finn.tracks("video")[0]!;
    const perHalfSecond: number[] = [];
    let last = video.packets;
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 500));
      perHalfSecond.push(video.packets - last);
      last = video.packets;
    }
    expect(perHalfSecond.filter((n) => n === 0), `video packets per 0.5 s after the crash: ${perHalfSecond.join(" ")}`).toEqual([]);
    expect(finnMessages.filter((t) => t.startsWith("participant."))).toEqual([]);
    expect(eve.connectionStates().publisher).toMatch(/^pc connected/);
  });
});
