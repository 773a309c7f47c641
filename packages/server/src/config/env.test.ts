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
});
