import { promises as dnsPromises } from "node:dns";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RTCPeerConnection, type RTCIceCandidate } from "werift";
import type { IceCandidate } from "@confab/protocol";
import { defaultConfig } from "../config/config.js";
import { Publisher } from "./Publisher.js";

const open: { close(): unknown }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
  vi.restoreAllMocks();
});

/**
 * A client (werift, offering and controlling, as a browser is) publishing to the SFU, with its
 * trickled candidates in the hands of the test. Returns the publisher, the client, and a
 * function that exchanges the candidates gathered so far.
 */
async function publishing(options: { endInOffer?: boolean; mdnsNames?: boolean } = {}): Promise<{ publisher: Publisher; client: RTCPeerConnection; giveCandidates: () => Promise<number> }> {
  const publisher = new Publisher("p1", { ...defaultConfig.rtc, announcedIps: ["127.0.0.1"] }, (event, error) => {
    throw new Error(`${event}: ${String(error)}`);
  });
  open.push(publisher);
  // No STUN server: werift would otherwise ask stun.l.google.com (tests reach only loopback).
  const client = new RTCPeerConnection({ iceServers: [], iceUseIpv6: false, iceAdditionalHostAddresses: ["127.0.0.1"] });
  open.push(client);
  client.addTransceiver("video", { direction: "sendonly" });
  const gathered: IceCandidate[] = [];
  client.onIceCandidate.subscribe((c: RTCIceCandidate | undefined) => {
    if (!c?.candidate) return;
    // A browser without camera permission hides its addresses behind RFC 8828 mDNS names.
    const candidate = options.mdnsNames ? c.candidate.replace(/^(candidate:\S+ \d+ \S+ \d+ )\S+/, `$1${crypto.randomUUID()}.local`) : c.candidate;
    gathered.push({ candidate, sdpMid: c.sdpMid ?? "0", sdpMLineIndex: c.sdpMLineIndex ?? 0 });
  });
  const fromSfu: IceCandidate[] = [];
  publisher.events.on("iceCandidate", (c) => {
    if (c) fromSfu.push(c);
  });
  const answered = new Promise<string>((resolve) => publisher.events.on("answer", resolve));
  await client.setLocalDescription(await client.createOffer());
  // Trickled: the offer itself carries no candidates.
  let offer = client.localDescription!.sdp.replace(/a=candidate:[^\r\n]*\r\n|a=end-of-candidates\r\n/g, "");
  // Or gathering was over when the offer was made, with nothing gathered (Firefox then says so in it).
  if (options.endInOffer) offer = offer.replace(/(a=mid:[^\r\n]*\r\n)/g, "$1a=end-of-candidates\r\n");
  await publisher.handleOffer(offer, [{ mid: "0", kind: "video", source: "camera", muted: false }]);
  // The SFU's candidates in its answer are held back too (with those it trickles): until the
  // client has them, it cannot check, as a browser with no usable network yet cannot.
  const answer = await answered;
  const inAnswer = [...answer.matchAll(/a=(candidate:[^\r\n]*)\r\n/g)].map((m) => ({ candidate: m[1]!, sdpMid: "0", sdpMLineIndex: 0 }));
  fromSfu.unshift(...inAnswer);
  await client.setRemoteDescription({ type: "answer", sdp: answer.replace(/a=candidate:[^\r\n]*\r\n|a=end-of-candidates\r\n/g, "") });
  let given = 0;
  let taken = 0;
  const giveCandidates = async () => {
    for (const c of gathered.slice(given)) await publisher.addIceCandidate(c);
    given = gathered.length;
    for (const c of fromSfu.slice(taken)) await client.addIceCandidate({ candidate: c.candidate, sdpMid: c.sdpMid ?? undefined, sdpMLineIndex: c.sdpMLineIndex ?? undefined });
    taken = fromSfu.length;
    return Math.min(given, taken);
  };
  return { publisher, client, giveCandidates };
}

describe("a publisher whose client's candidates come late", () => {
  it("still completes DTLS when the client said its candidates ended before any arrived (a browser just back on the network)", async () => {
    const { publisher, client, giveCandidates } = await publishing();
    // End of candidates first, while the SFU knows none of the client's: werift's ICE agent
    // gave up for good here (it still answered the client's checks, so the client saw ICE
    // connected, but the SFU never started DTLS).
    await publisher.addIceCandidate(null);
    await sleep(500);
    await expect.poll(giveCandidates, { timeout: 5_000 }).toBeGreaterThan(0);
    const states = () => `SFU ${publisher.connectionState}, client ${client.connectionState} (ice ${client.iceConnectionState})`;
    await expect.poll(states, { timeout: 15_000 }).toBe("SFU connected, client connected (ice connected)");
  });

  it("still completes DTLS when the offer itself said the candidates ended and they come later", async () => {
    const { publisher, client, giveCandidates } = await publishing({ endInOffer: true });
    await sleep(500);
    await expect.poll(giveCandidates, { timeout: 5_000 }).toBeGreaterThan(0);
    const states = () => `SFU ${publisher.connectionState}, client ${client.connectionState} (ice ${client.iceConnectionState})`;
    await expect.poll(states, { timeout: 15_000 }).toBe("SFU connected, client connected (ice connected)");
  });

  it("connects as usual when the candidates come before their end (the control)", async () => {
    const { publisher, client, giveCandidates } = await publishing();
    await expect.poll(giveCandidates, { timeout: 5_000 }).toBeGreaterThan(0);
    await publisher.addIceCandidate(null);
    const states = () => `SFU ${publisher.connectionState}, client ${client.connectionState}`;
    await expect.poll(states, { timeout: 15_000 }).toBe("SFU connected, client connected");
  });
});

describe("a publisher whose client hides its addresses behind mDNS names", () => {
  it("connects through the client's own checks (peer-reflexive) and never asks the resolver for a .local name", async () => {
    // Answered here, never by the network: a lookup is what the test looks for.
    const lookup = vi.spyOn(dnsPromises, "lookup").mockRejectedValue(new Error("no DNS in this test"));
    const { publisher, client, giveCandidates } = await publishing({ mdnsNames: true });
    await expect.poll(giveCandidates, { timeout: 5_000 }).toBeGreaterThan(0);
    const states = () => `SFU ${publisher.connectionState}, client ${client.connectionState}`;
    await expect.poll(states, { timeout: 15_000 }).toBe("SFU connected, client connected");
    expect(lookup.mock.calls.map((call) => String(call[0]))).toEqual([]);
  });
});
