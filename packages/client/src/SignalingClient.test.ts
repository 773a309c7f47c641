import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { RunningServer } from "@confab/server";
import { startTestServer } from "@confab/server/testing";
import { ConfabRoom } from "./ConfabRoom.js";
import { ClientError } from "./errors.js";
import { SignalingClient, signalingUrl, type WebSocketFactory } from "./SignalingClient.js";

// The SDK runs against the real server; Node's `ws` stands in for the browser's WebSocket
// (same event-handler API).
const NodeWebSocket = WebSocket as unknown as WebSocketFactory;
let server: RunningServer;

beforeAll(async () => {
  server = await startTestServer({ rooms: { maxParticipants: 1 } });
});

afterAll(async () => {
  await server.close();
});

describe("signalingUrl", () => {
  it("maps http to ws and https to wss on the signaling path", () => {
    expect(signalingUrl("http://localhost:8080")).toBe("ws://localhost:8080/ws");
    expect(signalingUrl("https://10.0.0.2:8443/some/room")).toBe("wss://10.0.0.2:8443/ws");
  });
});

describe("SignalingClient", () => {
  it("completes the versioned handshake and learns the server version", async () => {
    const client = new SignalingClient(signalingUrl(server.httpUrl), NodeWebSocket);
    await client.connect();
    expect(client.isOpen).toBe(true);
    expect(client.serverVersion).toMatch(/\d+\.\d+/);
    client.close();
    expect(client.isOpen).toBe(false);
  });

  it("reports an unreachable server as CONNECTION_LOST", async () => {
    const client = new SignalingClient("ws://127.0.0.1:9/ws", NodeWebSocket);
    await expect(client.connect()).rejects.toMatchObject({ code: "CONNECTION_LOST", fatal: true });
  });

  it("emits close once, however many times it is closed", async () => {
    const client = new SignalingClient(signalingUrl(server.httpUrl), NodeWebSocket);
    await client.connect();
    let closes = 0;
    client.events.on("close", () => closes++);
    client.close();
    client.close();
    expect(closes).toBe(1);
    expect(client.send({ type: "leave" })).toBe(false);
  });

  it("closed while its socket is still connecting, it rejects the connect as CLOSED at once and raises no error", async () => {
    const client = new SignalingClient(signalingUrl(server.httpUrl), NodeWebSocket);
    const connecting = client.connect();
    client.close();
    await expect(connecting).rejects.toMatchObject({ code: "CLOSED", fatal: true });
    // Node's ws reports the aborted handshake as an "error" event a tick later: with no
    // listener left it would be thrown as an uncaught exception (vitest fails the run on it).
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(client.isOpen).toBe(false);
  });
});

describe("ConfabRoom joining", () => {
  it("rejects a name the server refuses with its typed error", async () => {
    const room = new ConfabRoom({ serverUrl: server.httpUrl, room: "names", name: "   ", WebSocket: NodeWebSocket });
    const error = await room.join().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect(error).toMatchObject({ code: "INVALID_NAME" });
    expect(room.status).toBe("closed");
  });

  it("rejects joining a full room with ROOM_FULL", async () => {
    const first = new SignalingClient(signalingUrl(server.httpUrl), NodeWebSocket);
    await first.connect();
    const joined = new Promise((resolve) => first.events.on("message", (m) => m.type === "joined" && resolve(m)));
    first.send({ type: "join", room: "tiny", name: "First" });
    await joined;
    const room = new ConfabRoom({ serverUrl: server.httpUrl, room: "tiny", name: "Second", WebSocket: NodeWebSocket });
    await expect(room.join()).rejects.toMatchObject({ code: "ROOM_FULL" });
    first.close();
  });

  it("refuses to join once closed", async () => {
    const room = new ConfabRoom({ serverUrl: server.httpUrl, room: "twice", name: "x", WebSocket: NodeWebSocket });
    room.close();
    await expect(room.join()).rejects.toMatchObject({ code: "CLOSED" });
  });
});
