import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { PublishedTrack } from "@confab/protocol";
import { defaultConfig } from "../config/config.js";
import { StunProbe, bindingRequest, iceEndpoint } from "../testing/stunProbe.js";
import { Publisher } from "./Publisher.js";
import { iceGuardStats } from "./stats.js";

type UdpSockets = (typeof defaultConfig.rtc)["udpSockets"];
const fixtures = new URL("./fixtures/", import.meta.url);
const offer = readFileSync(new URL("chromium-camera-mic.offer.sdp", fixtures), "utf8");
const tracks = JSON.parse(readFileSync(new URL("chromium-camera-mic.tracks.json", fixtures), "utf8")) as PublishedTrack[];
/** The browser's ufrag in the fixture offer. */
const clientUfrag = /^a=ice-ufrag:(\S+)/m.exec(offer)?.[1] ?? "";

const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

/** A publisher that answered a browser's offer, and where its media socket listens. */
async function livePublisher(udpSockets: UdpSockets): Promise<{ ufrag: string; pwd: string; port: number }> {
  const rtc = { ...defaultConfig.rtc, announcedIps: ["127.0.0.1"], udpSockets };
  const publisher = new Publisher("p1", rtc, (event, error) => {
    throw new Error(`${event}: ${String(error)}`);
  });
  open.push(publisher);
  const candidates: string[] = [];
  publisher.events.on("iceCandidate", (c) => c && candidates.push(c.candidate));
  const answered = new Promise<string>((resolve) => publisher.events.on("answer", resolve));
  await publisher.handleOffer(offer, tracks);
  const answer = await answered;
  // Host candidates come in the answer or right after it.
  for (let i = 0; i < 100 && !/127\.0\.0\.1 \d+ typ host/.test(answer + candidates.join("\n")); i++) await sleep(20);
  return iceEndpoint(answer, candidates);
}

async function probe(port: number): Promise<StunProbe> {
  const p = await StunProbe.open({ address: "127.0.0.1", port });
  open.push(p);
  return p;
}

// The thread's shared socket (the default) and werift's socket per connection.
describe.each(["shared", "connection"] as const)("STUN requests at a live peer's media port (%s)", (udpSockets) => {
  it("drops forged binding requests without a response or a check back, and answers an authenticated one", async () => {
    const server = await livePublisher(udpSockets);
    const forger = await probe(server.port);
    const dropped = iceGuardStats.stunRequestsDropped;
    const unrouted = iceGuardStats.sharedPortDatagramsDropped;
    const forgeries = [
      // Random USERNAME and MESSAGE-INTEGRITY, as the probe of issue 13 sent.
      ...Array.from({ length: 100 }, () => bindingRequest({ username: `${Math.random().toString(36).slice(2, 6)}:abcd` })),
      // Our ufrag, but MESSAGE-INTEGRITY keyed with something else than our password.
      ...Array.from({ length: 100 }, () => bindingRequest({ username: `${server.ufrag}:${clientUfrag}` })),
      // The right password, but a USERNAME naming another connection, or malformed.
      bindingRequest({ username: `zzzz:${clientUfrag}`, password: server.pwd }),
      bindingRequest({ username: `${server.ufrag}:`, password: server.pwd }),
      bindingRequest({ username: server.ufrag, password: server.pwd }),
      bindingRequest({ password: server.pwd }),
      // Authentic, but without the FINGERPRINT that ICE requires (RFC 8445 §7).
      bindingRequest({ username: `${server.ufrag}:${clientUfrag}`, password: server.pwd, fingerprint: false }),
    ];
    for (const forgery of forgeries) await forger.send(forgery.bytes);

    const browser = await probe(server.port);
    const genuine = bindingRequest({ username: `${server.ufrag}:${clientUfrag}`, password: server.pwd });
    await browser.requestAnswered(genuine);
    expect(browser.answered.has(genuine.transactionId.toString("hex"))).toBe(true);
    // Any reaction to the forgeries would have left before the genuine answer; give checks
    // (started asynchronously) time to show up anyway.
    await sleep(1_000);
    expect(forger.tally).toMatchObject({ sent: forgeries.length, responses: 0, checks: 0, received: 0 });
    // Each counted once: a ufrag no connection has goes unrouted at the shared socket; the
    // rest fail authentication (at the shared socket, or at werift's own socket's guard).
    const unroutedNow = iceGuardStats.sharedPortDatagramsDropped - unrouted;
    expect(iceGuardStats.stunRequestsDropped - dropped + unroutedNow).toBe(forgeries.length);
    if (udpSockets === "connection") expect(unroutedNow).toBe(0);
    else expect(unroutedNow).toBeGreaterThanOrEqual(99);
  });

  it("answers with MESSAGE-INTEGRITY that verifies with the server's password", async () => {
    const server = await livePublisher(udpSockets);
    const browser = await probe(server.port);
    const genuine = bindingRequest({ username: `${server.ufrag}:${clientUfrag}`, password: server.pwd });
    await browser.requestAnswered(genuine);
    expect(browser.tally.responses).toBe(1);
    expect(browser.verifiedResponses(server.pwd)).toBe(1);
  });
});
