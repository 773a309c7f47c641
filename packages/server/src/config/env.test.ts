import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./env.js";

describe("loadConfig", () => {
  it("forwards every video unless LAST_N is set, and reads LAST_N as the limit", () => {
    expect(loadConfig({}).rooms.lastN).toBe(0);
    expect(loadConfig({ LAST_N: "4" }).rooms.lastN).toBe(4);
  });

  it("refuses a LAST_N that is negative or not an integer", () => {
    expect(() => loadConfig({ LAST_N: "-1" })).toThrow(ConfigError);
    expect(() => loadConfig({ LAST_N: "two" })).toThrow(ConfigError);
  });

  it("asks for 1 MiB UDP buffers by default, reads RTC_UDP_BUFFER_BYTES, and 0 keeps the kernel's", () => {
    expect(loadConfig({}).rtc.udpBufferBytes).toBe(1024 * 1024);
    expect(loadConfig({ RTC_UDP_BUFFER_BYTES: "1048576" }).rtc.udpBufferBytes).toBe(1048576);
    expect(loadConfig({ RTC_UDP_BUFFER_BYTES: "0" }).rtc.udpBufferBytes).toBe(0);
    expect(() => loadConfig({ RTC_UDP_BUFFER_BYTES: "-5" })).toThrow(ConfigError);
  });

  it("caps each participant's publishing at 8000 kbit/s and 3000 packets/s by default, reads the RTC_*PUBLISH* variables, and 0 turns a cap off", () => {
    const d = loadConfig({}).rtc;
    expect([d.maxPublishKbps, d.maxPublishPacketsPerSecond, d.publishBurstMs, d.publishCapCooldownMs]).toEqual([8000, 3000, 1000, 5000]);
    const set = loadConfig({ RTC_MAX_PUBLISH_KBPS: "0", RTC_MAX_PUBLISH_PPS: "500", RTC_PUBLISH_BURST_MS: "200", RTC_PUBLISH_CAP_COOLDOWN_MS: "0" }).rtc;
    expect([set.maxPublishKbps, set.maxPublishPacketsPerSecond, set.publishBurstMs, set.publishCapCooldownMs]).toEqual([0, 500, 200, 0]);
    expect(() => loadConfig({ RTC_MAX_PUBLISH_KBPS: "-1" })).toThrow(ConfigError);
    expect(() => loadConfig({ RTC_PUBLISH_BURST_MS: "10" })).toThrow(ConfigError);
  });

  it("leaves loopback candidates to the announced addresses unless RTC_ALLOW_LOOPBACK_CANDIDATES is 1 or 0", () => {
    expect(loadConfig({}).rtc.allowLoopbackCandidates).toBeUndefined();
    expect(loadConfig({ RTC_ALLOW_LOOPBACK_CANDIDATES: "1" }).rtc.allowLoopbackCandidates).toBe(true);
    expect(loadConfig({ RTC_ALLOW_LOOPBACK_CANDIDATES: "0" }).rtc.allowLoopbackCandidates).toBe(false);
    expect(() => loadConfig({ RTC_ALLOW_LOOPBACK_CANDIDATES: "yes" })).toThrow(ConfigError);
  });

  it("reads TURN_URLS, TURN_SECRET and TURN_TTL together, and refuses one without the other or a URL that is not turn:", () => {
    const urls = "turn:t.example.org:3478?transport=udp,turn:t.example.org:3478?transport=tcp,turns:t.example.org:443?transport=tcp";
    expect(loadConfig({}).turn).toEqual({ urls: [], secret: "", ttlSeconds: 6 * 3600 });
    expect(loadConfig({ TURN_URLS: urls, TURN_SECRET: "0123456789abcdef", TURN_TTL: "7200" }).turn).toEqual({
      urls: urls.split(","),
      secret: "0123456789abcdef",
      ttlSeconds: 7200,
    });
    expect(() => loadConfig({ TURN_URLS: urls })).toThrow(ConfigError);
    expect(() => loadConfig({ TURN_SECRET: "0123456789abcdef" })).toThrow(ConfigError);
    expect(() => loadConfig({ TURN_URLS: "http://x", TURN_SECRET: "0123456789abcdef" })).toThrow(ConfigError);
    expect(() => loadConfig({ TURN_URLS: urls, TURN_SECRET: "short" })).toThrow(ConfigError);
  });

  it("shares one UDP socket per thread unless RTC_UDP_SOCKETS=connection, which RTC_UDP_PORT cannot go with", () => {
    expect(loadConfig({}).rtc.udpSockets).toBe("shared");
    expect(loadConfig({ RTC_UDP_SOCKETS: "connection" }).rtc.udpSockets).toBe("connection");
    expect(loadConfig({ RTC_UDP_PORT: "7882" }).rtc.udpSockets).toBe("shared");
    expect(() => loadConfig({ RTC_UDP_SOCKETS: "connection", RTC_UDP_PORT: "7882" })).toThrow(/RTC_UDP_PORT/);
    expect(() => loadConfig({ RTC_UDP_SOCKETS: "per-socket" })).toThrow(ConfigError);
  });

  it("refuses a port range with fewer ports than the shared sockets' threads (WORKERS + 1)", () => {
    const range = { WORKERS: "2", RTC_PORT_MIN: "40000" };
    expect(() => loadConfig({ ...range, RTC_PORT_MAX: "40001" })).toThrow(/needs 3 .*RTC_UDP_SOCKETS=connection/);
    expect(loadConfig({ ...range, RTC_PORT_MAX: "40002" }).rtc.portRange).toEqual([40000, 40002]);
    expect(loadConfig({ ...range, RTC_PORT_MAX: "40001", RTC_UDP_SOCKETS: "connection" }).rtc.portRange).toEqual([40000, 40001]);
  });

  it("takes fixed ports for the shared sockets only with RTC_UDP_PORT, and refuses a port whose workers' ports go past 65535", () => {
    expect(loadConfig({}).rtc.udpPort).toBeUndefined();
    expect(loadConfig({ RTC_UDP_PORT: "7882" }).rtc.udpPort).toBe(7882);
    expect(loadConfig({ RTC_UDP_PORT: "65533", WORKERS: "2" }).rtc.udpPort).toBe(65533);
    expect(() => loadConfig({ RTC_UDP_PORT: "65534", WORKERS: "2" })).toThrow(ConfigError);
    expect(() => loadConfig({ RTC_UDP_PORT: "80" })).toThrow(ConfigError);
  });

  it("offers ICE-TCP candidates only with RTC_ICE_TCP=1", () => {
    expect(loadConfig({}).rtc.iceTcp).toBe(false);
    expect(loadConfig({ RTC_ICE_TCP: "1" }).rtc.iceTcp).toBe(true);
  });

  it("reads RTC_STUN_DISCOVERY as host:port, off by default", () => {
    expect(loadConfig({}).rtc.stunDiscovery).toBeUndefined();
    expect(loadConfig({ RTC_STUN_DISCOVERY: "stun.example.org:3478" }).rtc.stunDiscovery).toBe("stun.example.org:3478");
    expect(() => loadConfig({ RTC_STUN_DISCOVERY: "stun.example.org" })).toThrow(ConfigError);
  });

  it("uses the native fast path unless FASTPATH=js, and refuses any other FASTPATH", () => {
    expect(loadConfig({}).rtc.fastpath).toBe("native");
    expect(loadConfig({ FASTPATH: "js" }).rtc.fastpath).toBe("js");
    expect(loadConfig({ FASTPATH: "native" }).rtc.fastpath).toBe("native");
    expect(() => loadConfig({ FASTPATH: "fast" })).toThrow(ConfigError);
  });

  it("drains for 30 s by default, reads DRAIN_TIMEOUT in whole seconds, and refuses anything else", () => {
    expect(loadConfig({}).drainTimeoutMs).toBe(30_000);
    expect(loadConfig({ DRAIN_TIMEOUT: "5" }).drainTimeoutMs).toBe(5_000);
    expect(loadConfig({ DRAIN_TIMEOUT: "0" }).drainTimeoutMs).toBe(0);
    expect(() => loadConfig({ DRAIN_TIMEOUT: "5s" })).toThrow(ConfigError);
    expect(() => loadConfig({ DRAIN_TIMEOUT: "-1" })).toThrow(ConfigError);
  });
});
