import { expectRemoteVideosAdvancing, join, roomName, tileOf } from "../support/room.js";
import { expect, test } from "../support/test.js";

test.describe("a browser in a room of bots", () => {
  test("a browser decodes the video of all 8 bots, and subscribing bots receive the browser", async ({ browser, bots }) => {
    const room = roomName("bots");
    // All eight publish; two also subscribe (64 incoming streams in this one Node process
    // would measure the test runner, not the SFU).
    const all = await bots.fill(room, 8, (i) => ({ publish: { video: true, audio: true }, subscribe: i > 6 }));
    const person = await join(browser, room, "Ann");
    try {
      await expectRemoteVideosAdvancing(person.page, 8);
    } catch (error) {
      const states = Object.fromEntries(all.map((b) => [b.id, b.connectionStates()]));
      throw new Error(`${(error as Error).message}; bot connections ${JSON.stringify(states)}`, { cause: error });
    }
    for (let i = 1; i <= 8; i++) await expect(tileOf(person.page, `Bot 0${i}`)).toHaveCount(1);

    // The SFU forwards the browser's camera to the bots too: they assemble complete frames of it.
    const botIds = new Set(all.map((b) => b.id));
    for (const bot of all.slice(6)) {
      const framesOfBrowser = () => bot.tracks("video").find((t) => !botIds.has(t.participantId))?.frames ?? 0;
      const deadline = Date.now() + 30_000;
      while (framesOfBrowser() <= 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      const stats = bot.tracks().map((t) => ({ from: t.participantId, kind: t.kind, packets: t.packets, frames: t.frames, dropped: t.droppedFrames }));
      expect(framesOfBrowser(), `${bot.id} (${JSON.stringify(bot.connectionStates())}) received ${JSON.stringify(stats)}`).toBeGreaterThan(10);
    }
  });
});
