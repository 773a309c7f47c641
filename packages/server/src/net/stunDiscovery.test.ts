import dgram from "node:dgram";
import type net from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../config/config.js";
import { Coturn, coturnUnavailable, freePort } from "../testing/coturn.js";
import { discoverPublicAddress, StunDiscoveryError, withDiscoveredAddress } from "./stunDiscovery.js";

// coturn serves STUN Binding without credentials: the local STUN server of these tests.
let coturn: Coturn;
let stunPort: number;

async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const port = (socket.address() as net.AddressInfo).port;
  socket.close();
  return port;
}

beforeAll(async () => {
  const missing = coturnUnavailable();
  if (missing) throw new Error(missing);
  stunPort = await freePort();
  const relay = await freePort();
  coturn = await Coturn.start({ address: "127.0.0.1", port: stunPort, relayPorts: [relay, relay + 5], secret: "stun-discovery-secret-0123" });
  // coturn logs its last start-up line before every listener answers on a busy machine: wait
  // for a first answer.
  for (let attempt = 0; ; attempt++) {
    try {
      await discoverPublicAddress(`127.0.0.1:${stunPort}`, { timeoutMs: 2000 });
      break;
    } catch (error) {
      if (attempt >= 10) throw new Error(`coturn never answered STUN:\n${coturn.log}`, { cause: error });
    }
  }
}, 60_000);

afterAll(async () => {
  await coturn?.close();
});

const silent = pino({ level: "silent" });

describe("STUN discovery of the public address", () => {
  it("finds the address the STUN server sees this machine by", async () => {
    // Sent from 127.0.0.7: the server sees that address, not the one it listens on.
    expect(await discoverPublicAddress(`127.0.0.1:${stunPort}`, { bindAddress: "127.0.0.7" })).toBe("127.0.0.7");
  });

  it("fails with a typed error when no STUN server answers", async () => {
    const silentPort = await freeUdpPort();
    await expect(discoverPublicAddress(`127.0.0.1:${silentPort}`, { timeoutMs: 800 })).rejects.toBeInstanceOf(StunDiscoveryError);
  });

  it("announces the discovered address first, then the interface addresses, only when RTC_STUN_DISCOVERY is set and RTC_ANNOUNCED_IPS is not", async () => {
    const interfaces = () => ["10.0.0.5", "127.0.0.1"];
    const discover = () => discoverPublicAddress(`127.0.0.1:${stunPort}`, { bindAddress: "127.0.0.7" });
    const on = resolveConfig({ rtc: { stunDiscovery: `127.0.0.1:${stunPort}` } });
    expect((await withDiscoveredAddress(on, silent, interfaces, discover)).rtc.announcedIps).toEqual(["127.0.0.7", "10.0.0.5", "127.0.0.1"]);
    const off = resolveConfig({});
    expect((await withDiscoveredAddress(off, silent, interfaces, discover)).rtc.announcedIps).toEqual([]);
    const fixed = resolveConfig({ rtc: { stunDiscovery: `127.0.0.1:${stunPort}`, announcedIps: ["192.0.2.1"] } });
    expect((await withDiscoveredAddress(fixed, silent, interfaces, discover)).rtc.announcedIps).toEqual(["192.0.2.1"]);
  });

  it("starts with the interface addresses when discovery fails", async () => {
    const on = resolveConfig({ rtc: { stunDiscovery: "127.0.0.1:9" } });
    const failing = () => Promise.reject(new StunDiscoveryError("no answer"));
    expect((await withDiscoveredAddress(on, silent, () => ["10.0.0.5"], failing)).rtc.announcedIps).toEqual([]);
  });
});
