import { describe, expect, it } from "vitest";
import { diagnoseFailure, pathFromStats, turnHost } from "./connectionPath.js";

/** A stats report as Chromium gives it: a transport pointing at its selected pair. */
function report(local: Record<string, unknown>, extra: Record<string, unknown>[] = []): Map<string, Record<string, unknown>> {
  const stats = [
    { id: "T1", type: "transport", selectedCandidatePairId: "CP1" },
    { id: "CP1", type: "candidate-pair", localCandidateId: "L1", remoteCandidateId: "R1", state: "succeeded", nominated: true },
    { id: "CP2", type: "candidate-pair", localCandidateId: "L2", remoteCandidateId: "R1", state: "failed", nominated: false },
    { id: "L1", type: "local-candidate", ...local },
    { id: "L2", type: "local-candidate", candidateType: "host", protocol: "udp" },
    ...extra,
  ];
  return new Map(stats.map((s) => [s.id as string, s]));
}

describe("connection path", () => {
  it("is read from the selected pair's local candidate: direct UDP, ICE-TCP, or the relay and how it is reached", () => {
    expect(pathFromStats(report({ candidateType: "host", protocol: "udp" }))).toBe("udp");
    expect(pathFromStats(report({ candidateType: "srflx", protocol: "udp" }))).toBe("udp");
    expect(pathFromStats(report({ candidateType: "host", protocol: "tcp" }))).toBe("tcp");
    expect(pathFromStats(report({ candidateType: "relay", protocol: "udp", relayProtocol: "udp" }))).toBe("relay-udp");
    expect(pathFromStats(report({ candidateType: "relay", protocol: "udp", relayProtocol: "tcp" }))).toBe("relay-tcp");
    expect(pathFromStats(report({ candidateType: "relay", protocol: "udp", relayProtocol: "tls" }))).toBe("relay-tls");
  });

  it("is unknown while no pair is selected", () => {
    expect(pathFromStats(new Map([["T1", { id: "T1", type: "transport" }]]))).toBeUndefined();
  });

  it("uses the nominated succeeded pair when there are no transport stats (Firefox)", () => {
    const firefox = report({ candidateType: "relay", relayProtocol: "tcp" });
    firefox.delete("T1");
    expect(pathFromStats(firefox)).toBe("relay-tcp");
  });
});

describe("a failed media connection's diagnosis", () => {
  const turn = [{ urls: ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:443?transport=tcp"], username: "u", credential: "c" }];

  it("says there is no relay when the server offered none", () => {
    expect(diagnoseFailure(new Map(), [])).toEqual({ kind: "no-relay", relayHosts: [] });
  });

  it("says the relay is blocked too when no relay candidate could be gathered, naming its host", () => {
    const stats = new Map([["L2", { id: "L2", type: "local-candidate", candidateType: "host" }]]);
    expect(diagnoseFailure(stats, turn)).toEqual({ kind: "relay-blocked", relayHosts: ["turn.example.org"] });
  });

  it("says the relay was reached but failed when a relay candidate exists", () => {
    const stats = new Map([["L1", { id: "L1", type: "local-candidate", candidateType: "relay" }]]);
    expect(diagnoseFailure(stats, turn).kind).toBe("relay-failed");
  });

  it("reads the host of turn: and turns: URLs", () => {
    expect(turnHost("turns:turn.example.org:443?transport=tcp")).toBe("turn.example.org");
    expect(turnHost("turn:10.0.0.1?transport=udp")).toBe("10.0.0.1");
    expect(turnHost("stun:x")).toBeUndefined();
  });
});
