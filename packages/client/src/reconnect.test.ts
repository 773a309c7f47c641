import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signJoinToken, type RunningServer } from "@confab/server";
import { ErrorCode, PROTOCOL_VERSION } from "@confab/protocol";
import { startTestServer, WireClient, wsUrl } from "@confab/server/testing";
import { idleRoom, recordingWebSocket } from "./testing/fakes.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server.close();
});

describe("ConfabRoom reconnection", () => {
  it("rejoins the room by itself after the connection drops", async () => {
    const ws = recordingWebSocket();
    const room = idleRoom({ serverUrl: server.httpUrl, room: "flaky", WebSocket: ws.factory });
    const statuses: string[] = [];
    room.events.on("change", () => statuses.push(room.status));
    await room.join();
    const firstId = room.self?.id;
    expect(room.status).toBe("joined");

    ws.sockets[0]!.terminate(); // as if the network went away
    await expect.poll(() => statuses.includes("reconnecting")).toBe(true);
    await expect.poll(() => room.status, { timeout: 10_000 }).toBe("joined");
    expect(room.self?.id).not.toBe(firstId);
    await expect.poll(() => server.rooms.roomSize("flaky")).toBe(1);
    await room.leave();
    expect(room.status).toBe("closed");
  });

  it("rejoins by itself when the SFU worker hosting its room dies", async () => {
    const room = idleRoom({ serverUrl: server.httpUrl, room: "worker-crash" });
    await room.join();
    const firstId = room.self?.id;
    const pool = server.rooms as unknown as { workerOf(room: string): number; terminate(i: number): Promise<void> };
    await pool.terminate(pool.workerOf("worker-crash"));
    await expect.poll(() => room.self?.id !== firstId && room.status === "joined", { timeout: 10_000 }).toBe(true);
    await expect.poll(() => server.rooms.roomSize("worker-crash")).toBe(1);
    await room.leave();
  });

  it("is told when the server drains, reconnects by itself on its 4004, and joins the server that replaces it", async () => {
    // A restarted server keeps its API key and secret (DATA_DIR): the moderator link the SDK
    // rejoins with stays valid.
    const auth = { apiKey: "APIrestart", apiSecret: "restart-secret-restart-secret-0123456789" };
    const first = await startTestServer({ auth });
    const port = Number(new URL(first.httpUrl).port);
    const room = idleRoom({ serverUrl: first.httpUrl, room: "restart" });
    const draining: number[] = [];
    room.events.on("draining", (ms) => draining.push(ms));
    await room.join();
    const firstId = room.self?.id;
    await first.drain(1000);
    expect(draining).toHaveLength(1);
    await expect.poll(() => room.status).toBe("reconnecting");
    const second = await startTestServer({ port, auth });
    try {
      await expect.poll(() => room.status, { timeout: 15_000 }).toBe("joined");
      expect(room.self?.id).not.toBe(firstId);
      expect(await second.rooms.roomSize("restart")).toBe(1);
      await room.leave();
    } finally {
      await second.close();
    }
  });

  it("rejoins with a plain join when the restarted server has another API secret and refuses the moderator link", async () => {
    const first = await startTestServer({ auth: { apiKey: "APIbefore", apiSecret: "secret-before-the-restart-0123456789" } });
    const port = Number(new URL(first.httpUrl).port);
    const room = idleRoom({ serverUrl: first.httpUrl, room: "new-secret" });
    const errors: unknown[] = [];
    room.events.on("closed", (error) => errors.push(error));
    await room.join();
    const link = room.moderatorToken;
    expect(link).toBeDefined();
    await first.drain(500);
    await expect.poll(() => room.status).toBe("reconnecting");
    const second = await startTestServer({ port, auth: { apiKey: "APIafter", apiSecret: "secret-after-the-restart-0123456789" } });
    try {
      // The control: the new server refuses the old link itself.
      const refused = await WireClient.connect(wsUrl(second));
      refused.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
      await refused.next("welcome");
      refused.sendJson({ type: "join", room: "new-secret", name: "Ann", token: link });
      expect((await refused.next("error")).code).toBe(ErrorCode.TOKEN_INVALID);
      refused.close();
      await expect.poll(() => room.status, { timeout: 15_000 }).toBe("joined");
      expect(errors).toEqual([]);
      expect(await second.rooms.roomSize("new-secret")).toBe(1);
      // An open room that was empty: the one who starts it moderates it again, with a link this server signed.
      expect(room.role).toBe("moderator");
      expect(room.moderatorToken).toBeDefined();
      expect(room.moderatorToken).not.toBe(link);
      await room.leave();
    } finally {
      await second.close();
    }
  });

  it("in token mode, gives up with TOKEN_INVALID (not AUTH_REQUIRED) when the restarted server refuses the page's own token", async () => {
    const before = { mode: "token" as const, apiKey: "APItokenmode", apiSecret: "token-mode-secret-before-0123456789" };
    const first = await startTestServer({ auth: before });
    const port = Number(new URL(first.httpUrl).port);
    const token = await signJoinToken(before, { room: "token-restart", identity: "ann", name: "Ann", role: "participant" }, { ttlSeconds: 600 });
    const room = idleRoom({ serverUrl: first.httpUrl, room: "token-restart", token });
    const closed = new Promise((resolve) => room.events.on("closed", (error) => resolve(error)));
    await room.join();
    await first.drain(500);
    const second = await startTestServer({ port, auth: { ...before, apiSecret: "token-mode-secret-after-0123456789" } });
    try {
      expect(await closed).toMatchObject({ code: ErrorCode.TOKEN_INVALID });
      expect((await second.rooms.roomSize("token-restart")) ?? 0).toBe(0);
    } finally {
      await second.close();
    }
  });

  it("gives up with the error once the reconnect timeout passes", async () => {
    const ws = recordingWebSocket();
    const other = await startTestServer();
    const room = idleRoom({ serverUrl: other.httpUrl, room: "gone", WebSocket: ws.factory, reconnectTimeoutMs: 1500 });
    const closed = new Promise((resolve) => room.events.on("closed", (error) => resolve(error)));
    await room.join();
    await other.close(); // the server goes away for good
    expect(await closed).toMatchObject({ code: "CONNECTION_LOST" });
    expect(room.status).toBe("closed");
  });
});
