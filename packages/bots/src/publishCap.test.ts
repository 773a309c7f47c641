import { loadNative } from "@confab/native";
import { ErrorCode, type ServerMessage, type ServerMessageOf } from "@confab/protocol";
import type { RunningServer } from "@confab/server";
import { startTestServer } from "@confab/server/testing";
import { afterEach, describe, expect, it } from "vitest";
import { Bot } from "./Bot.js";
import { DeliveryWindow } from "./Delivery.js";
import { TestBots } from "./testing/TestBots.js";

// The TypeScript path always; the native one where the addon was built (both reach the cap).
const paths: ("native" | "js")[] = loadNative().addon ? ["native", "js"] : ["js"];

/** A low packet-rate cap so a werift bot can flood well past it on a busy machine. */
const CAP_PPS = 300;
const COOLDOWN_MS = 2000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(paths)("the publish cap on the %s per-packet path", (path) => {
  let server: RunningServer | undefined;
  const bots = new TestBots(() => server!.httpUrl);
  afterEach(async () => {
    await bots.close();
    await server?.close();
  });

  it("pauses a flooding publisher's track and tells it (RATE_LIMITED), keeps a normal publisher's media flowing to others, and resumes the track once the flood stops", async () => {
    server = await startTestServer({ rtc: { fastpath: path, maxPublishPacketsPerSecond: CAP_PPS, publishCapCooldownMs: COOLDOWN_MS } });
    const metric = async (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(await (await fetch(`${server!.httpUrl}/metrics`)).text())?.[1]);
    const room = `cap-${path}`;
    const ann = new Bot({ url: server.httpUrl, room, name: "Ann", publish: { video: true, audio: true, packetsPerSecond: 80 }, subscribe: false });
    const mallory = new Bot({ url: server.httpUrl, room, name: "Mallory", publish: { video: true, packetsPerSecond: 50 }, subscribe: false });
    const bob = new Bot({ url: server.httpUrl, room, name: "Bob" });
    bots.add(ann, mallory, bob);
    const capped: ServerMessageOf<"track.capped">[] = [];
    mallory.events.on("message", (m: ServerMessage) => {
      if (m.type === "track.capped") capped.push(m);
    });
    // What Bob is told of Mallory's tracks: muted while paused, so he shows no frozen frame.
    const bobSees: ServerMessageOf<"track.muted">[] = [];
    bob.events.on("message", (m: ServerMessage) => {
      if (m.type === "track.muted") bobSees.push(m);
    });
    const annCapped: ServerMessage[] = [];
    ann.events.on("message", (m: ServerMessage) => {
      if (m.type === "track.capped") annCapped.push(m);
    });
    await bob.join();
    await ann.join();
    await mallory.join();
    const from = (bot: Bot) => () => bob.tracks("video").find((t) => t.participantId === bot.id);
    // Frames, not packets: the SFU's bandwidth probes may pad any flowing stream.
    const malloryFrames = () => from(mallory)()?.frames ?? 0;
    await expect.poll(malloryFrames, { timeout: 20_000 }).toBeGreaterThan(5);
    await expect.poll(() => from(ann)()?.frames ?? 0, { timeout: 20_000 }).toBeGreaterThan(5);

    // Mallory floods at 5× the cap: it is told its camera is paused, with the typed code.
    mallory.setVideoPacketsPerSecond(CAP_PPS * 5);
    await expect.poll(() => capped.length, { timeout: 20_000 }).toBeGreaterThan(0);
    expect(capped[0]).toMatchObject({ paused: true, source: "camera", code: ErrorCode.RATE_LIMITED, limit: "packetRate", maxPacketsPerSecond: CAP_PPS, cooldownMs: COOLDOWN_MS });
    await expect.poll(() => bobSees.map((m) => m.muted), { timeout: 10_000 }).toEqual([true]);
    expect(bobSees[0]).toMatchObject({ participantId: mallory.id, trackId: capped[0]!.trackId });

    // Paused: once what was in flight has landed, Bob gets no more of Mallory's video…
    let settled = -1;
    await expect
      .poll(
        async () => {
          const before = malloryFrames();
          await sleep(1000);
          settled = malloryFrames();
          return settled - before;
        },
        { timeout: 20_000, interval: 0 },
      )
      .toBe(0);
    // …while Ann's keeps reaching him.
    const window = new DeliveryWindow(ann, from(ann)()!);
    window.open();
    await sleep(3000);
    const sent = window.close();
    await sleep(1000);
    expect(malloryFrames()).toBe(settled);
    expect(capped.filter((m) => !m.paused)).toEqual([]);
    expect(sent).toBeGreaterThan(120);
    expect(window.delivered() / sent).toBeGreaterThan(0.9);
    expect(annCapped).toEqual([]);
    expect(await metric("confab_publisher_cap_drops_total")).toBeGreaterThan(CAP_PPS);
    expect(await metric("confab_publisher_cap_pauses_total")).toBe(1);

    // The flood stops: after the cool-down Mallory is told, and Bob gets its video again.
    mallory.setVideoPacketsPerSecond(50);
    await expect.poll(() => capped.filter((m) => !m.paused).length, { timeout: 20_000 }).toBe(1);
    expect(capped.at(-1)).toMatchObject({ paused: false, source: "camera", code: ErrorCode.RATE_LIMITED });
    await expect.poll(() => bobSees.map((m) => m.muted), { timeout: 10_000 }).toEqual([true, false]);
    await expect.poll(malloryFrames, { timeout: 15_000 }).toBeGreaterThan(settled + 5);
  });
});
