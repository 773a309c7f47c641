import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { RunningServer } from "@confab/server";
import { startTestServer } from "@confab/server/testing";
import { ConfabRoom } from "./ConfabRoom.js";
import type { WebSocketFactory } from "./SignalingClient.js";

/** Short-lived TURN credentials: renewed a quarter of the TTL (2 s) before they expire. */
const TTL_SECONDS = 8;
let server: RunningServer;

beforeAll(async () => {
  server = await startTestServer({
    turn: { urls: ["turn:turn.confab.test:3478?transport=udp"], secret: "sdk-renewal-secret-0123456789", ttlSeconds: TTL_SECONDS },
  });
});

afterAll(async () => {
  await server.close();
});

/** A peer connection that does nothing but remember the configurations it is given. */
class RecordingPeerConnection {
  static all: RecordingPeerConnection[] = [];
  onicecandidate: unknown = null;
  connectionState = "new";
  readonly configurations: { at: number; config: RTCConfiguration }[] = [];
  constructor(config: RTCConfiguration) {
    this.configurations.push({ at: Date.now(), config });
    RecordingPeerConnection.all.push(this);
  }
  getConfiguration(): RTCConfiguration {
    return this.configurations.at(-1)!.config;
  }
  setConfiguration(config: RTCConfiguration): void {
    this.configurations.push({ at: Date.now(), config });
  }
  addEventListener(): void {}
  close(): void {}
}

/** The unix expiry in a TURN REST username (`<expiry>:<participant id>`). */
function expiryOf(config: RTCConfiguration): number {
  const username = config.iceServers?.find((s) => s.username)?.username ?? "";
  return Number(username.split(":")[0]);
}

describe("TURN credential renewal in the SDK", () => {
  it("receives fresh credentials before the first ones expire and applies them to both media connections", async () => {
    RecordingPeerConnection.all = [];
    const room = new ConfabRoom({
      serverUrl: server.httpUrl,
      room: "renewal",
      name: "Ann",
      WebSocket: WebSocket as unknown as WebSocketFactory,
      RTCPeerConnection: RecordingPeerConnection as unknown as typeof RTCPeerConnection,
    });
    await room.join();
    const pcs = RecordingPeerConnection.all;
    expect(pcs).toHaveLength(2);
    const first = pcs[0]!.configurations[0]!.config;
    const firstExpiry = expiryOf(first);
    expect(firstExpiry).toBeGreaterThan(Date.now() / 1000);
    for (const pc of pcs) {
      await expect.poll(() => pc.configurations.length, { timeout: TTL_SECONDS * 1000 }).toBeGreaterThanOrEqual(2);
      const renewed = pc.configurations[1]!;
      // Applied while the first credentials were still good, and good for longer.
      expect(renewed.at).toBeLessThan(firstExpiry * 1000);
      expect(expiryOf(renewed.config)).toBeGreaterThan(firstExpiry);
      expect(renewed.config.iceServers?.[0]?.username).toMatch(new RegExp(`:${room.self!.id}$`));
      expect(renewed.config.iceTransportPolicy).toBe("all");
    }
    await room.leave();
  });
});
