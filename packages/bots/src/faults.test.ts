import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "@confab/server";
import { startTestServer } from "@confab/server/testing";
import { Bot } from "./Bot.js";

let server: RunningServer;
const bots: Bot[] = [];

beforeAll(async () => {
  server = await startTestServer({ workers: 2, testFaults: true });
});

afterAll(async () => {
  await Promise.all(bots.map((b) => b.close()));
  await server.close();
});

async function bot(room: string, name: string, publish: boolean): Promise<Bot> {
  const b = new Bot({ url: server.httpUrl, room, name, publish: publish ? { video: true, audio: true } : {} });
  bots.push(b);
  await b.join();
  return b;
}

describe("an SFU worker that crashes", () => {
  it("does not interrupt the media of a room on another worker", async () => {
    const ann = await bot("crash-here", "Ann", true);
    const eve = await bot("crash-elsewhere", "Eve", true);
    const finn = await bot("crash-elsewhere", "Finn", false);
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
