import { createSocket, type Socket } from "node:dgram";
import { readFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode, type PublishedTrack } from "@confab/protocol";
import { defaultConfig, type ServerConfig } from "../config/config.js";
import { UserError } from "../errors.js";
import { Publisher } from "./Publisher.js";
import { MAX_REMOTE_CANDIDATES } from "./RemoteCandidates.js";

const fixtures = new URL("./fixtures/", import.meta.url);
const offer = readFileSync(new URL("chromium-camera-mic.offer.sdp", fixtures), "utf8");
const tracks = JSON.parse(readFileSync(new URL("chromium-camera-mic.tracks.json", fixtures), "utf8")) as PublishedTrack[];

const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

/** UDP sockets at `count` loopback addresses other than the client's, counting what reaches them. */
async function receivers(count: number): Promise<{ lines: string[]; contacted: () => number; packets: () => number }> {
  const sockets: Socket[] = [];
  const heard = new Map<Socket, number>();
  for (let i = 0; i < count; i++) {
    const socket = createSocket("udp4");
    open.push({ close: () => socket.close() });
    await new Promise<void>((resolve) => socket.bind(0, `127.0.${10 + (i >> 6)}.${2 + (i & 63)}`, resolve));
    socket.on("message", () => heard.set(socket, (heard.get(socket) ?? 0) + 1));
    sockets.push(socket);
  }
  return {
    lines: sockets.map((s, i) => `candidate:${i} 1 udp ${2122260223 - i} ${s.address().address} ${s.address().port} typ host generation 0`),
    contacted: () => heard.size,
    packets: () => [...heard.values()].reduce((a, b) => a + b, 0),
  };
}

function publisher(rtc: Partial<ServerConfig["rtc"]> = {}): Publisher {
  const p = new Publisher("p1", { ...defaultConfig.rtc, announcedIps: ["127.0.0.1"], ...rtc }, (event, error) => {
    throw new Error(`${event}: ${String(error)}`);
  });
  open.push(p);
  return p;
}

/** The BAD_MESSAGE reason `action` was refused with. */
async function refusal(action: Promise<unknown>): Promise<string> {
  const error = await action.then(
    () => new Error("not refused"),
    (e: unknown) => e,
  );
  if (error instanceof UserError && error.code === ErrorCode.BAD_MESSAGE) return error.message;
  throw error;
}

/** Waits until `read` stops changing (for `quietMs`) or `maxMs` pass. */
async function settled(read: () => number, quietMs = 1_500, maxMs = 20_000): Promise<number> {
  let last = read();
  let since = Date.now();
  const start = Date.now();
  while (Date.now() - start < maxMs && Date.now() - since < quietMs) {
    await sleep(100);
    if (read() !== last) {
      last = read();
      since = Date.now();
    }
  }
  return last;
}

describe("remote ICE candidates given to a publisher", () => {
  it("an offer listing 64 candidates at other addresses is refused with BAD_MESSAGE, no STUN is sent to them, and the publisher stays usable", async () => {
    const targets = await receivers(64);
    const p = publisher();
    const hostile = offer
      .replace(/(a=mid:0\r\n)/, `$1${targets.lines.slice(0, 32).map((l) => `a=${l}`).join("\r\n")}\r\n`)
      .replace(/(a=mid:1\r\n)/, `$1${targets.lines.slice(32).map((l) => `a=${l}`).join("\r\n")}\r\n`);
    expect(await refusal(p.handleOffer(hostile, tracks))).toBe(`offer rejected: description lists more than ${MAX_REMOTE_CANDIDATES} ICE candidates`);
    const answered = new Promise<string>((resolve) => p.events.on("answer", resolve));
    await p.handleOffer(offer, tracks);
    expect(await answered).toMatch(/^a=ice-ufrag:/m);
    await sleep(1_000);
    expect(targets.packets()).toBe(0);
  });

  it("100 trickled candidates at other addresses: the first 30 are taken, the other 70 refused with the reason, and only those 30 addresses get checks", async () => {
    const targets = await receivers(100);
    const p = publisher();
    await p.handleOffer(offer, tracks);
    const reasons: string[] = [];
    for (const candidate of targets.lines) {
      await p.addIceCandidate({ candidate, sdpMid: "0", sdpMLineIndex: 0 }).catch(async (e: unknown) => reasons.push(await refusal(Promise.reject(e))));
    }
    expect(reasons).toHaveLength(100 - MAX_REMOTE_CANDIDATES);
    expect(new Set(reasons)).toEqual(new Set([`candidate refused: this connection has ${MAX_REMOTE_CANDIDATES} ICE candidates already`]));
    const packets = await settled(targets.packets);
    expect(targets.contacted()).toBe(MAX_REMOTE_CANDIDATES);
    // A check and at most 4 retransmissions per pair, from each of the SFU's local sockets.
    expect(packets).toBeLessThanOrEqual(MAX_REMOTE_CANDIDATES * 5 * localSockets());
  });

  it("with loopback candidates refused, a loopback candidate trickled or in the offer reaches nobody", async () => {
    const targets = await receivers(2);
    const p = publisher({ allowLoopbackCandidates: false });
    const withCandidate = offer.replace(/(a=mid:0\r\n)/, `$1a=${targets.lines[0]}\r\n`);
    await p.handleOffer(withCandidate, tracks);
    expect(await refusal(p.addIceCandidate({ candidate: targets.lines[1] ?? "", sdpMid: "0", sdpMLineIndex: 0 }))).toBe("candidate refused: loopback address");
    await sleep(1_500);
    expect(targets.packets()).toBe(0);
  });

  it("with the SFU announced on loopback, loopback candidates are taken and checked (tests, development)", async () => {
    const targets = await receivers(2);
    const p = publisher();
    await p.handleOffer(offer.replace(/(a=mid:0\r\n)/, `$1a=${targets.lines[0]}\r\n`), tracks);
    await p.addIceCandidate({ candidate: targets.lines[1] ?? "", sdpMid: "0", sdpMLineIndex: 0 });
    await settled(targets.contacted, 500, 10_000);
    expect(targets.contacted()).toBe(2);
  });

  it("a host-name candidate that is not mDNS .local is refused before werift could look it up", async () => {
    const p = publisher();
    await p.handleOffer(offer, tracks);
    const reason = await refusal(p.addIceCandidate({ candidate: "candidate:1 1 udp 2122260223 attacker.example 3478 typ host", sdpMid: "0" }));
    expect(reason).toBe("candidate refused: host name candidates must be mDNS .local names");
  });
});

/** How many UDP sockets werift binds per connection here (one per IPv4 interface address). */
function localSockets(): number {
  let count = 0;
  for (const list of Object.values(networkInterfaces())) for (const info of list ?? []) if (info.family === "IPv4") count++;
  return count;
}
