import type { ServerMessage } from "@confab/protocol";
import type { RunningServer } from "@confab/server";
import { startTestServer } from "@confab/server/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Bot } from "./Bot.js";
import { TestBots } from "./testing/TestBots.js";

let server: RunningServer;
const bots = new TestBots(() => server.httpUrl);

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(() => bots.close());
afterAll(() => server.close());

/** The m-sections of the last subscriber offer `bot` was sent, and how many are live (port ≠ 0). */
function sections(offers: string[]): { total: number; live: number } {
  const lines = (offers.at(-1) ?? "").split(/\r?\n/).filter((l) => l.startsWith("m="));
  return { total: lines.length, live: lines.filter((l) => !/^m=\w+ 0 /.test(l)).length };
}

describe("a subscriber's sections when people come and go", () => {
  it("a participant who stays while others publish and leave one after another keeps an offer as long as the most tracks it got at once, and decodes each newcomer's video", async () => {
    const room = "section-reuse";
    const bob = await bots.join(room, "Bob", false);
    const offers: string[] = [];
    bob.events.on("message", (m: ServerMessage) => {
      if (m.type === "sdp" && m.pc === "subscriber" && m.description.type === "offer") offers.push(m.description.sdp);
    });
    for (let i = 0; i < 5; i++) {
      const guest: Bot = await bots.join(room, `Guest ${i}`, true);
      const video = () => bob.tracks("video").find((t) => t.participantId === guest.id);
      await expect.poll(() => video()?.frames ?? 0, { timeout: 20_000 }).toBeGreaterThan(5);
      await expect.poll(() => bob.tracks("audio").find((t) => t.participantId === guest.id)?.packets ?? 0, { timeout: 10_000 }).toBeGreaterThan(10);
      await guest.close();
      // The guest's sections are rejected (port 0) in the next offer, but the first one ever
      // made: it tags the BUNDLE group (browsers drop the transport if it is rejected).
      await expect.poll(() => sections(offers).live, { timeout: 10_000 }).toBe(1);
    }
    // Five guests with audio and video each: without reuse the offer would carry 10 sections;
    // with it, the first guest's audio section (kept) and one audio and one video reused.
    expect(sections(offers).total).toBe(3);
  });

  it("after someone leaves, a newcomer receives everyone who stays, and they receive the newcomer", async () => {
    const room = "section-newcomer";
    const ann = await bots.join(room, "Ann", true);
    const bob = await bots.join(room, "Bob", true);
    const cat = await bots.join(room, "Cat", true);
    const frames = (receiver: Bot, publisher: Bot) => () => receiver.tracks("video").find((t) => t.participantId === publisher.id)?.frames ?? 0;
    await expect.poll(frames(bob, cat), { timeout: 20_000 }).toBeGreaterThan(5);
    await ann.close();
    const dan = await bots.join(room, "Dan", true);
    await expect.poll(frames(dan, bob), { timeout: 20_000 }).toBeGreaterThan(5);
    await expect.poll(frames(dan, cat), { timeout: 20_000 }).toBeGreaterThan(5);
    await expect.poll(frames(bob, dan), { timeout: 20_000 }).toBeGreaterThan(5);
    await expect.poll(frames(cat, dan), { timeout: 20_000 }).toBeGreaterThan(5);
  });
});
