import dgram from "node:dgram";
import { readFileSync } from "node:fs";
import type net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COTURN_CONFIG, Coturn, coturnUnavailable, freePort } from "../testing/coturn.js";
import { TurnClient, type TurnTransport } from "../testing/TurnClient.js";
import { startTestServer, wsUrl, WireClient } from "../testing/index.js";
import { turnCredentials } from "./turnCredentials.js";

// A real coturn, started from deploy/coturn/turnserver.conf (only ports, address and secret changed).
const SECRET = "coturn-test-secret-0123456789";
const HOST = "127.0.0.1";
let coturn: Coturn;
let port: number;
let tlsPort: number;

beforeAll(async () => {
  const missing = coturnUnavailable();
  if (missing) throw new Error(missing);
  port = await freePort();
  tlsPort = await freePort();
  const relay = await freePort();
  coturn = await Coturn.start({ address: HOST, port, tlsPort, relayPorts: [relay, relay + 20], secret: SECRET });
}, 30_000);

afterAll(async () => {
  await coturn?.close();
});

const now = () => Math.floor(Date.now() / 1000);

async function allocated(transport: TurnTransport, credentials = turnCredentials(SECRET, "p1", now() + 3600)): Promise<TurnClient> {
  const client = await TurnClient.connect({ address: HOST, port: transport === "tls" ? tlsPort : port }, transport);
  const result = await client.allocate(credentials.username, credentials.credential);
  expect(result, `allocation over ${transport}\n${coturn.log.slice(-2000)}`).toMatchObject({ ok: true });
  return client;
}

describe("coturn with the documented configuration", () => {
  it.each(["udp", "tcp", "tls"] as const)("allocates a relay over %s for credentials Confab signed", async (transport) => {
    const client = await allocated(transport);
    client.close();
  });

  it("refuses credentials whose expiry has passed, and ones signed with another secret", async () => {
    const attempt = async (credentials: { username: string; credential: string }) => {
      const client = await TurnClient.connect({ address: HOST, port }, "udp");
      try {
        return await client.allocate(credentials.username, credentials.credential);
      } finally {
        client.close();
      }
    };
    expect(await attempt(turnCredentials(SECRET, "p1", now() - 60))).toEqual({ ok: false, code: 401 });
    expect(await attempt(turnCredentials("some-other-secret-0123456789", "p1", now() + 3600))).toEqual({ ok: false, code: 401 });
    // The control: the same attempt with valid credentials succeeds.
    expect(await attempt(turnCredentials(SECRET, "p1", now() + 3600))).toMatchObject({ ok: true });
  });

  it("keeps refreshing an allocation past its credentials' expiry (checked only when allocating), and refuses a new allocation with them", async () => {
    // What TURN_TTL means in practice: a relay in use lives on with the credentials it was made
    // with; an ICE restart or a new connection must present fresh ones (`iceServers` renews them).
    const credentials = turnCredentials(SECRET, "p-renew", now() + 2);
    const client = await allocated("udp", credentials);
    await expect.poll(() => now() > credentials.expiresAt + 1, { timeout: 10_000 }).toBe(true);
    expect(await client.refresh(600)).toMatchObject({ ok: true });
    expect(await client.createPermission({ address: "198.41.0.4", port: 9 })).toMatchObject({ ok: true });
    const again = await TurnClient.connect({ address: HOST, port }, "udp");
    expect(await again.allocate(credentials.username, credentials.credential)).toEqual({ ok: false, code: 401 });
    again.close();
    // Fresh credentials for the same participant allocate again.
    client.close();
    (await allocated("udp", turnCredentials(SECRET, "p-renew", now() + 3600))).close();
  });

  it("refuses to relay to loopback, private, shared, link-local and multicast addresses (403), and allows a public one", async () => {
    const client = await allocated("udp");
    for (const address of ["127.0.0.1", "10.1.2.3", "172.16.5.4", "192.168.1.1", "100.64.0.1", "169.254.169.254", "224.0.0.251", "0.0.0.0"]) {
      expect(await client.createPermission({ address, port: 9 }), address).toEqual({ ok: false, code: 403 });
    }
    // Only a permission: nothing is sent to it.
    expect(await client.createPermission({ address: "198.41.0.4", port: 9 })).toMatchObject({ ok: true });
    client.close();
  });

  it("does not deliver a Send indication to a service on loopback", async () => {
    const service = dgram.createSocket("udp4");
    const received: Buffer[] = [];
    service.on("message", (data) => received.push(data));
    await new Promise<void>((resolve) => service.bind(0, HOST, resolve));
    const target = { address: HOST, port: (service.address() as net.AddressInfo).port };
    const client = await allocated("udp");
    for (let i = 0; i < 5; i++) client.send(target, Buffer.from("reach the internal service"));
    // Controls that the datagrams would have arrived: the same payload sent directly does.
    const direct = dgram.createSocket("udp4");
    direct.send(Buffer.from("direct"), target.port, HOST);
    await expect.poll(() => received.map(String)).toContain("direct");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(received.map(String)).toEqual(["direct"]);
    direct.close();
    service.close();
    client.close();
  });

  it("accepts the credentials a Confab server hands out in joined", async () => {
    const confab = await startTestServer({ turn: { urls: [`turn:${HOST}:${port}?transport=udp`], secret: SECRET, ttlSeconds: 600 } });
    try {
      const ann = await WireClient.joined(wsUrl(confab), "turn-1", "Ann");
      const [server] = ann.joinedMessage!.iceServers;
      const client = await TurnClient.connect({ address: HOST, port }, "udp");
      expect(await client.allocate(server!.username!, server!.credential!)).toMatchObject({ ok: true });
      client.close();
      ann.close();
    } finally {
      await confab.close();
    }
  });

  it("allocates with the credentials a participant is sent in iceServers after the ones of its joined expired", async () => {
    // TTL 4 s: renewed 1 s before each expiry.
    const confab = await startTestServer({ turn: { urls: [`turn:${HOST}:${port}?transport=udp`], secret: SECRET, ttlSeconds: 4 } });
    try {
      const ann = await WireClient.joined(wsUrl(confab), "turn-renewed", "Ann");
      const first = ann.joinedMessage!.iceServers[0]!;
      const firstExpiry = Number(first.username!.split(":")[0]);
      // Renewals until one arrives after the first credentials have expired.
      let renewed = (await ann.next("iceServers")).iceServers[0]!;
      while (now() <= firstExpiry) renewed = (await ann.next("iceServers")).iceServers[0]!;
      const attempt = async (server: { username?: string; credential?: string }) => {
        const client = await TurnClient.connect({ address: HOST, port }, "udp");
        try {
          return await client.allocate(server.username!, server.credential!);
        } finally {
          client.close();
        }
      };
      expect(await attempt(first), coturn.log.slice(-2000)).toEqual({ ok: false, code: 401 });
      expect(await attempt(renewed), coturn.log.slice(-2000)).toMatchObject({ ok: true });
      ann.close();
    } finally {
      await confab.close();
    }
  });

  it("is the file the README shows, verbatim", () => {
    const readme = readFileSync(new URL("../../../../README.md", import.meta.url), "utf8");
    expect(readme.includes(readFileSync(COTURN_CONFIG, "utf8")), "README.md must show deploy/coturn/turnserver.conf verbatim").toBe(true);
  });
});
