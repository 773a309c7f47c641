import { describe, expect, it } from "vitest";
import { ErrorCode } from "@confab/protocol";
import { defaultConfig } from "../config/config.js";
import { UserError } from "../errors.js";
import { loopbackCandidatesAllowed } from "./peer-config.js";
import { RemoteCandidates, addressProblem, parseCandidate } from "./RemoteCandidates.js";

const line = (address: string, port = 50000, type = "host", transport = "udp") =>
  `candidate:1 1 ${transport} 2122260223 ${address} ${port} typ ${type} generation 0`;

function refusal(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof UserError && error.code === ErrorCode.BAD_MESSAGE) return error.message;
    throw error;
  }
  throw new Error("not refused");
}

describe("remote candidate addresses", () => {
  it("takes public, private, link-local unicast and mDNS .local addresses", () => {
    for (const address of ["203.0.113.7", "10.1.2.3", "192.168.1.20", "169.254.10.1", "2001:db8::1", "fe80::1", "3f1c9a2e-6b1d-4a7e-9c3b-1d2e3f4a5b6c.local"]) {
      expect(addressProblem(address, false), address).toBeUndefined();
    }
  });

  it("refuses unspecified, multicast (link-local multicast too), broadcast and reserved addresses, whatever the loopback setting", () => {
    const cases: [string, string][] = [
      ["0.0.0.0", "unspecified address"],
      ["::", "unspecified address"],
      ["224.0.0.251", "multicast address"],
      ["239.255.255.250", "multicast address"],
      ["ff02::1", "multicast address"],
      ["ff0e::1", "multicast address"],
      ["255.255.255.255", "broadcast address"],
      ["240.0.0.1", "reserved address"],
      ["::ffff:224.0.0.1", "multicast address"],
    ];
    for (const [address, reason] of cases) {
      expect(addressProblem(address, false), address).toBe(reason);
      expect(addressProblem(address, true), address).toBe(reason);
    }
  });

  it("refuses loopback (IPv4, IPv6, IPv4-mapped) unless loopback is allowed", () => {
    for (const address of ["127.0.0.1", "127.9.8.7", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"]) {
      expect(addressProblem(address, false), address).toBe("loopback address");
      expect(addressProblem(address, true), address).toBeUndefined();
    }
  });

  it("refuses host names that are not single-label mDNS .local names (werift would look them up with DNS)", () => {
    for (const address of ["example.com", "localhost", "a.b.local", "evil.local.example.com", "-x.local", ".local"]) {
      expect(addressProblem(address, true), address).toBe("host name candidates must be mDNS .local names");
    }
  });
});

describe("remote candidate lines", () => {
  it("reads transport, address, port and whether it is an mDNS name, with or without a=", () => {
    expect(parseCandidate(line("203.0.113.7"), false)).toEqual({ transport: "udp", address: "203.0.113.7", port: 50000, mdns: false });
    expect(parseCandidate(`a=${line("10.0.0.1", 9, "host", "TCP")} tcptype active`, false)).toEqual({ transport: "tcp", address: "10.0.0.1", port: 9, mdns: false });
    expect(parseCandidate(line("3F1C9A2E-6B1D.local"), false)).toEqual({ transport: "udp", address: "3f1c9a2e-6b1d.local", port: 50000, mdns: true });
  });

  it("refuses malformed lines, other transports and types, and UDP port 0", () => {
    expect(parseCandidate("candidate:garbage", true)).toBe("not an RFC 8839 candidate");
    expect(parseCandidate(line("10.0.0.1", 50000, "host", "sctp"), true)).toBe("unsupported transport sctp");
    expect(parseCandidate(line("10.0.0.1", 50000, "prflx"), true)).toBe("unsupported candidate type prflx");
    expect(parseCandidate(line("10.0.0.1", 0), true)).toBe("bad port");
    expect(parseCandidate(line("10.0.0.1", 70000), true)).toBe("bad port");
    expect(parseCandidate("candidate:1 0 udp 1 10.0.0.1 5000 typ host", true)).toBe("bad component id");
    expect(parseCandidate("candidate:1 1 udp 0 10.0.0.1 5000 typ host", true)).toBe("bad priority");
  });
});

describe("RemoteCandidates of one connection", () => {
  const sdp = (addresses: string[]) => ["v=0", "m=audio 9 UDP/TLS/RTP/SAVPF 111", ...addresses.map((a) => `a=${line(a)}`), "a=mid:0", ""].join("\r\n");

  it("removes refused and repeated candidates from a description and keeps the rest as they were", () => {
    const candidates = new RemoteCandidates({ allowLoopback: false, maxCandidates: 30 });
    const applied = candidates.filterSdp(sdp(["10.0.0.1", "127.0.0.1", "224.0.0.1", "10.0.0.2", "10.0.0.1"]));
    const first = applied.sdp;
    expect(candidates.count).toBe(0);
    applied.commit();
    expect(first.match(/^a=candidate:.*$/gm)?.map((l) => l.split(" ")[4])).toEqual(["10.0.0.1", "10.0.0.2"]);
    expect(first).toContain("a=mid:0\r\n");
    // A renegotiation offer repeats them: werift is not given them again.
    expect(candidates.filterSdp(sdp(["10.0.0.1", "10.0.0.2"])).sdp).not.toContain("a=candidate:");
    expect(candidates.count).toBe(2);
  });

  it("refuses a description with more candidates than the bound with BAD_MESSAGE, and takes none of them", () => {
    const candidates = new RemoteCandidates({ allowLoopback: false, maxCandidates: 30 });
    const many = Array.from({ length: 31 }, (_, i) => `10.0.${i >> 8}.${(i % 250) + 1}`);
    expect(refusal(() => candidates.filterSdp(sdp(many)))).toBe("description lists more than 30 ICE candidates");
    expect(candidates.count).toBe(0);
    const fits = candidates.filterSdp(sdp(many.slice(0, 30)));
    expect(fits.sdp).toContain("a=candidate:");
    fits.commit();
    expect(candidates.count).toBe(30);
  });

  it("takes mDNS .local candidates without an error but never gives them to werift, which would look them up with DNS", () => {
    const mdns = "3f1c9a2e-6b1d-4a7e-9c3b-1d2e3f4a5b6c.local";
    const candidates = new RemoteCandidates({ allowLoopback: false, maxCandidates: 2 });
    const applied = candidates.filterSdp(sdp([mdns, "10.0.0.1"]));
    expect(applied.sdp).not.toContain(".local");
    expect(applied.sdp).toContain("10.0.0.1");
    applied.commit();
    expect(candidates.count).toBe(1);
    // Trickled: answered without an error, not given, and not counted against the bound.
    for (let port = 50000; port < 50010; port++) expect(candidates.admit(line(mdns, port))).toBe(false);
    expect(candidates.count).toBe(1);
    expect(candidates.admit(line("10.0.0.2"))).toBe(true);
  });

  it("admits trickled candidates up to the bound, skips repeats, and refuses the rest with the reason", () => {
    const candidates = new RemoteCandidates({ allowLoopback: false, maxCandidates: 3 });
    // Before the remote description werift drops candidates: checked, not remembered.
    expect(candidates.admit(line("10.0.0.1", 1), false)).toBe(true);
    expect(candidates.count).toBe(0);
    expect(candidates.admit(line("10.0.0.1", 1))).toBe(true);
    expect(candidates.admit(line("10.0.0.1", 1))).toBe(false);
    expect(refusal(() => candidates.admit(line("127.0.0.1")))).toBe("candidate refused: loopback address");
    expect(refusal(() => candidates.admit(line("attacker.example")))).toBe("candidate refused: host name candidates must be mDNS .local names");
    expect(candidates.admit(line("10.0.0.1", 2))).toBe(true);
    expect(candidates.admit(line("10.0.0.1", 3))).toBe(true);
    expect(refusal(() => candidates.admit(line("10.0.0.1", 4)))).toBe("candidate refused: this connection has 3 ICE candidates already");
  });
});

describe("loopback candidates setting", () => {
  const rtc = defaultConfig.rtc;
  it("allows loopback candidates when the SFU announces a loopback address, refuses them when it does not", () => {
    expect(loopbackCandidatesAllowed({ ...rtc, announcedIps: ["127.0.0.1"] })).toBe(true);
    expect(loopbackCandidatesAllowed({ ...rtc, announcedIps: ["203.0.113.7"] })).toBe(false);
  });

  it("follows RTC_ALLOW_LOOPBACK_CANDIDATES over the announced addresses", () => {
    expect(loopbackCandidatesAllowed({ ...rtc, announcedIps: ["127.0.0.1"], allowLoopbackCandidates: false })).toBe(false);
    expect(loopbackCandidatesAllowed({ ...rtc, announcedIps: ["203.0.113.7"], allowLoopbackCandidates: true })).toBe(true);
  });
});
