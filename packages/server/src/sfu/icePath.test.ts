import { RTCPeerConnection } from "werift";
import { describe, expect, it } from "vitest";
import { participantIcePath } from "../room/ParticipantStats.js";
import { icePathOf, icePathOfPair, type PathCandidate } from "./icePath.js";

function pair(local: PathCandidate | undefined, remote: PathCandidate) {
  return { protocol: local ? { localCandidate: local } : {}, remoteCandidate: remote };
}

const host = (transport: string): PathCandidate => ({ type: "host", transport });

describe("ICE path of a candidate pair", () => {
  it("is udp for host and server-reflexive UDP pairs", () => {
    expect(icePathOfPair(pair(host("udp"), host("udp")))).toBe("udp");
    expect(icePathOfPair(pair(host("udp"), { type: "srflx", transport: "UDP" }))).toBe("udp");
    expect(icePathOfPair(pair(host("udp"), { type: "prflx", transport: "udp" }))).toBe("udp");
  });

  it("is tcp when either candidate is TCP, in any case", () => {
    expect(icePathOfPair(pair(host("tcp"), host("tcp")))).toBe("tcp");
    expect(icePathOfPair(pair(host("udp"), host("TCP")))).toBe("tcp");
    expect(icePathOfPair(pair(undefined, { type: "prflx", transport: "tcp" }))).toBe("tcp");
  });

  it("is relay when either end is a TURN relay candidate, whatever the transport", () => {
    expect(icePathOfPair(pair(host("udp"), { type: "relay", transport: "udp" }))).toBe("relay");
    expect(icePathOfPair(pair(host("tcp"), { type: "relay", transport: "tcp" }))).toBe("relay");
    expect(icePathOfPair(pair({ type: "relay", transport: "udp" }, host("udp")))).toBe("relay");
  });

  it("is null for a peer connection that never connected", async () => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    pc.addTransceiver("audio", { direction: "recvonly" });
    await pc.setLocalDescription(await pc.createOffer());
    expect(icePathOf(pc)).toBeNull();
    await pc.close();
  });
});

describe("a participant's ICE path", () => {
  it("is the worse of its two connections', or the one that is up", () => {
    expect(participantIcePath("udp", "udp")).toBe("udp");
    expect(participantIcePath("udp", "relay")).toBe("relay");
    expect(participantIcePath("tcp", "udp")).toBe("tcp");
    expect(participantIcePath("relay", "tcp")).toBe("relay");
    expect(participantIcePath(null, "tcp")).toBe("tcp");
    expect(participantIcePath("udp", null)).toBe("udp");
    expect(participantIcePath(null, null)).toBeNull();
  });
});
