import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerMessage } from "@confab/protocol";
import type { RunningServer } from "@confab/server";
import { startTestServer } from "@confab/server/testing";
import { Bot } from "./Bot.js";

let server: RunningServer;
const bots: Bot[] = [];

beforeAll(async () => {
  server = await startTestServer({ rooms: { lastN: 2 } });
});

afterAll(async () => {
  await Promise.all(bots.map((b) => b.close()));
  await server.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("last-N through the SFU (LAST_N=2)", () => {
  it("forwards 2 of 4 remote cameras, lists the others in lastN, and forwards a third once pinned", async () => {
    const publishers: Bot[] = [];
    for (const name of ["A", "B", "C", "D"]) {
      const b = new Bot({ url: server.httpUrl, room: "last-n", name, publish: { video: true }, subscribe: false });
      bots.push(b);
      await b.join();
      publishers.push(b);
    }
    const viewer = new Bot({ url: server.httpUrl, room: "last-n", name: "Viewer" });
    bots.push(viewer);
    const lastN: string[][] = [];
    viewer.events.on("message", (m: ServerMessage) => {
      if (m.type === "lastN") lastN.push(m.withheld);
    });
    await viewer.join();
    await expect.poll(() => viewer.tracks("video").length, { timeout: 15_000 }).toBe(4);
    const videoOf = (b: Bot) => viewer.tracks("video").find((t) => t.participantId === b.id)!;
    const [a, b, c, d] = publishers.map(videoOf);

    // Nobody has spoken: the two who joined first are forwarded, the others withheld.
    await expect.poll(() => Math.min(a!.frames, b!.frames), { timeout: 20_000 }).toBeGreaterThan(10);
    await sleep(1000);
    expect(c!.packets).toBe(0);
    expect(d!.packets).toBe(0);
    expect(lastN.at(-1)?.slice().sort()).toEqual([c!.trackId, d!.trackId].sort());

    // Every video on screen, C pinned: C starts (at a keyframe), D stays withheld.
    viewer.view([a!, b!, c!, d!].map((t) => ({ trackId: t.trackId, width: 640, height: 360, pinned: t === c })));
    await expect.poll(() => c!.frames, { timeout: 15_000 }).toBeGreaterThan(10);
    expect(c!.keyframes).toBeGreaterThan(0);
    expect(c!.droppedFrames).toBe(0);
    expect(lastN.at(-1)).toEqual([d!.trackId]);
    const before = { a: a!.packets, d: d!.packets };
    await sleep(1000);
    expect(a!.packets).toBeGreaterThan(before.a);
    expect(d!.packets).toBe(0);
  });
});
