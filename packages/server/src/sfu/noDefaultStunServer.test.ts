import { promises as dnsPromises } from "node:dns";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RTCPeerConnection } from "werift";
import { peerConfig } from "./peer-config.js";
import { defaultConfig } from "../config/config.js";
import { installWeriftPatches } from "./weriftPatches.js";

afterEach(() => {
  vi.restoreAllMocks();
});

/** Gathers the candidates of a one-section offer; resolves with the host names werift looked up. */
async function lookupsWhileGathering(config: ConstructorParameters<typeof RTCPeerConnection>[0]): Promise<string[]> {
  // Answered here, never by the network: a lookup is what the test looks for.
  const lookup = vi.spyOn(dnsPromises, "lookup").mockRejectedValue(new Error("no DNS in this test"));
  const pc = new RTCPeerConnection(config);
  try {
    pc.addTransceiver("audio", { direction: "recvonly" });
    await pc.setLocalDescription(await pc.createOffer());
    await vi.waitFor(() => expect(pc.iceGatheringState).toBe("complete"), { timeout: 10_000 });
    return lookup.mock.calls.map((call) => String(call[0]));
  } finally {
    await pc.close();
  }
}

describe("STUN servers of werift connections", () => {
  it("an SFU connection gathers without asking any STUN server (werift's default is stun.l.google.com)", async () => {
    installWeriftPatches();
    expect(await lookupsWhileGathering(peerConfig(defaultConfig.rtc, "subscriber"))).toEqual([]);
  });

  it("a plain connection with no ICE servers asks none either", async () => {
    installWeriftPatches();
    expect(await lookupsWhileGathering({ iceServers: [] })).toEqual([]);
  });

  it("a configured STUN server is still asked", async () => {
    installWeriftPatches();
    expect(await lookupsWhileGathering({ iceServers: [{ urls: "stun:stun.confab.test:3478" }] })).toEqual(["stun.confab.test"]);
  });
});
