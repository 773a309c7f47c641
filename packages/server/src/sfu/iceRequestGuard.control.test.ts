import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { RTCPeerConnection } from "werift";
import { defaultConfig } from "../config/config.js";
import { StunProbe, bindingRequest, iceEndpoint } from "../testing/stunProbe.js";
import { peerConfig } from "./peer-config.js";
import { forWerift } from "./sdp.js";

// Control case for iceRequestGuard.test.ts: the same forgeries against a werift connection
// without Confab's patches (this file never installs them; vitest runs each file in its own
// module graph). If werift starts checking credentials itself, this fails: the guard may then go.

const rtc = { ...defaultConfig.rtc, announcedIps: ["127.0.0.1"] };
const offer = readFileSync(new URL("./fixtures/chromium-camera-mic.offer.sdp", import.meta.url), "utf8");

const open: { close(): unknown }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

describe("werift without the ICE request guard", () => {
  it("answers and checks back forged binding requests (the hole the guard closes)", async () => {
    const pc = new RTCPeerConnection(peerConfig(rtc, "publisher"));
    open.push(pc);
    const candidates: string[] = [];
    pc.onIceCandidate.subscribe((c) => c && candidates.push(c.candidate));
    await pc.setRemoteDescription({ type: "offer", sdp: forWerift(offer) });
    await pc.setLocalDescription(await pc.createAnswer());
    for (let i = 0; i < 100 && !candidates.some((c) => c.includes("127.0.0.1")); i++) await sleep(20);
    const server = iceEndpoint(pc.localDescription?.sdp ?? "", candidates);
    const forger = await StunProbe.open({ address: "127.0.0.1", port: server.port });
    open.push(forger);
    for (let i = 0; i < 20; i++) await forger.send(bindingRequest({ username: `${Math.random().toString(36).slice(2, 6)}:abcd` }).bytes);
    for (let i = 0; i < 150 && forger.tally.checks === 0; i++) await sleep(20);
    expect(forger.tally.responses).toBeGreaterThan(0);
    expect(forger.tally.checks).toBeGreaterThan(0);
  });
});
