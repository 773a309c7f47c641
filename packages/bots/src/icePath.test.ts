import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, resolveConfig, startServer, type RunningServer } from "@confab/server";
import { startTestServer } from "@confab/server/testing";
import { Bot } from "./Bot.js";
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

describe("participant stats from an SFU worker", () => {
  it("report each connected participant's ICE path (udp on loopback) and tracks, and forget who left", async () => {
    const ann = await bots.join("paths", "Ann", true);
    const bob = await bots.join("paths", "Bob", false);
    const byId = async () => new Map(((await server.rooms.snapshot("paths"))[0]?.participants ?? []).map((p) => [p.id, p]));
    await expect.poll(async () => (await byId()).get(ann.id!)?.ice.publisher, { timeout: 20_000 }).toBe("udp");
    await expect.poll(async () => (await byId()).get(bob.id!)?.ice.subscriber, { timeout: 20_000 }).toBe("udp");
    const stats = await byId();
    expect(stats.get(ann.id!)).toMatchObject({ name: "Ann", icePath: "udp", reconnecting: false });
    expect(stats.get(ann.id!)!.tracks.map((t) => t.kind).sort()).toEqual(["audio", "video"]);
    expect(stats.get(bob.id!)).toMatchObject({ name: "Bob", icePath: "udp", tracks: [] });
    await bob.close();
    await expect.poll(async () => [...(await byId()).keys()], { timeout: 10_000 }).toEqual([ann.id]);
    expect(await server.rooms.snapshot("no-such-room")).toEqual([]);
  });
});

describe("the leave log line of a participant with media", () => {
  it("names the ICE path its media took (udp on loopback)", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({ level: "info", format: "json" }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
    const local = await startServer(
      resolveConfig({ port: 0, host: "127.0.0.1", httpsPort: 0, webRoot: "/nonexistent", workers: 0, rooms: { resumeGraceMs: 0 }, rtc: { announcedIps: ["127.0.0.1"] } }),
      log,
    );
    try {
      const ann = new Bot({ url: local.httpUrl, room: "logged", name: "Ann", publish: { video: true, audio: true } });
      await ann.join();
      const connected = () => lines.filter((l) => l.msg === "media connected" && l.participant === ann.id);
      await expect.poll(() => connected().map((l) => [l.pc, l.icePath]), { timeout: 20_000 }).toEqual([["publisher", "udp"]]);
      await ann.close();
      await expect.poll(() => lines.find((l) => l.msg === "participant left" && l.participant === ann.id), { timeout: 10_000 }).toMatchObject({
        room: "logged",
        icePath: "udp",
      });
    } finally {
      await local.close();
    }
  });
});
