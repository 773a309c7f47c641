import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "@confab/server";
import { startTestServer } from "@confab/server/testing";
import { TestBots } from "./testing/TestBots.js";

let server: RunningServer;
const bots = new TestBots(() => server.httpUrl);

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await bots.close();
  await server.close();
});

describe("ICE restart", () => {
  it("the SFU answers a publisher's ICE-restart offer and makes a subscriber ICE-restart offer on request: fresh credentials on both connections, and the video flows on", async () => {
    const ann = await bots.join("ice-restart", "Ann", true);
    const bob = await bots.join("ice-restart", "Bob", false);
    await expect.poll(() => bob.tracks("video")[0]?.packets ?? 0, { timeout: 15_000 }).toBeGreaterThan(30);
    const before = { ann: ann.remoteIceUfrags().publisher, bob: bob.remoteIceUfrags().subscriber };
    expect(before.ann).toBeTruthy();
    expect(before.bob).toBeTruthy();

    await ann.restartIce();
    await bob.restartIce();
    await expect.poll(() => ann.remoteIceUfrags().publisher, { timeout: 10_000 }).not.toBe(before.ann);
    await expect.poll(() => bob.remoteIceUfrags().subscriber, { timeout: 10_000 }).not.toBe(before.bob);

    // Both connections check the new credentials and carry media again: Bob keeps receiving
    // Ann's video, which now travels on both restarted paths.
    const states = () => `Ann ${JSON.stringify(ann.connectionStates())}, Bob ${JSON.stringify(bob.connectionStates())}`;
    await expect.poll(() => ann.connectionStates().publisher, { timeout: 10_000 }).toMatch(/^pc connected, ice (connected|completed)/);
    await expect.poll(() => bob.connectionStates().subscriber, { timeout: 10_000 }).toMatch(/^pc connected, ice (connected|completed)/);
    const video = bob.tracks("video")[0]!;
    const restartedAt = video.packets;
    await expect.poll(() => video.packets - restartedAt, { timeout: 10_000, message: states() }).toBeGreaterThan(60);
    // The same track on the same section: nothing was renegotiated away.
    expect(bob.tracks("video")).toHaveLength(1);
  });
});
