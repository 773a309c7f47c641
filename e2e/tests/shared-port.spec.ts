import type { Page } from "@playwright/test";
import { ServerProcess } from "@confab/bots";
import { E2E_PORT } from "../playwright.config.js";
import { selectedCandidates } from "../support/candidates.js";
import { expectRemoteVideosAdvancing, joinAt, roomName } from "../support/room.js";
import { expect, test } from "../support/test.js";

/** A server of its own with one UDP media port per SFU worker (RTC_UDP_PORT, 2 workers). */
const PORT = String(E2E_PORT + 21);
const UDP_PORT = E2E_PORT + 22;

/** The SFU ports of the candidate pairs a page's connections use now (from getStats). */
async function selectedRemotePorts(page: Page): Promise<number[]> {
  return (await selectedCandidates(page, "remote")).flatMap((c) => (typeof c.port === "number" ? [c.port] : []));
}

test("with RTC_UDP_PORT two browsers see each other's video through their worker's one UDP port", async ({ browser }) => {
  test.setTimeout(120_000);
  const server = await ServerProcess.start({ PORT, WORKERS: "2", RTC_UDP_PORT: String(UDP_PORT) });
  try {
    const room = roomName("sharedport");
    const ann = await joinAt(browser, `${server.url}/${room}`, "Ann");
    const bob = await joinAt(browser, `${server.url}/${room}`, "Bob");
    await expectRemoteVideosAdvancing(ann, 1);
    await expectRemoteVideosAdvancing(bob, 1);
    // Both browsers' connections (publisher and subscriber each) go to one port of the two.
    const ports = [...(await selectedRemotePorts(ann)), ...(await selectedRemotePorts(bob))];
    expect(ports).toHaveLength(4);
    expect(new Set(ports).size).toBe(1);
    expect([UDP_PORT, UDP_PORT + 1]).toContain(ports[0]);
    // Worker stats reach the main thread once a second (later on a busy machine): poll.
    await expect.poll(async () => (await server.metrics()).confab_shared_port_addresses, { timeout: 20_000 }).toBeGreaterThanOrEqual(4);
  } finally {
    await server.stop();
  }
});
