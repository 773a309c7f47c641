import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloseCode } from "@confab/protocol";
import type { RunningServer } from "../server.js";
import { startTestServer, wsUrl, WireClient } from "../testing/index.js";
import { WorkerPool, workerPortRange } from "./WorkerPool.js";
import { leastLoaded } from "./placement.js";

describe("room placement", () => {
  it("puts a new room on the live worker with the least traffic and people", () => {
    const idle = { alive: true, participants: 0, packetsOutPerSecond: 0 };
    expect(leastLoaded([idle, idle])).toBe(0);
    expect(leastLoaded([{ ...idle, participants: 1 }, idle])).toBe(1);
    expect(leastLoaded([{ ...idle, packetsOutPerSecond: 9000 }, { ...idle, participants: 4 }])).toBe(1);
    expect(leastLoaded([{ ...idle, alive: false }, { ...idle, participants: 50 }])).toBe(1);
    expect(leastLoaded([{ ...idle, alive: false }])).toBe(-1);
  });
});

describe("media port ranges", () => {
  it("gives each worker its own slice of RTC_PORT_MIN..MAX, the last one taking the rest", () => {
    expect(workerPortRange([40000, 40099], 0, 2)).toEqual([40000, 40049]);
    expect(workerPortRange([40000, 40100], 1, 2)).toEqual([40050, 40100]);
    expect(workerPortRange([40000, 40002], 2, 3)).toEqual([40000, 40002]);
    expect(workerPortRange(undefined, 0, 2)).toBeUndefined();
  });
});

describe("SFU worker threads", () => {
  let server: RunningServer;
  let url: string;
  let pool: WorkerPool;

  beforeAll(async () => {
    server = await startTestServer({ workers: 2 });
    url = wsUrl(server);
    pool = server.rooms as WorkerPool;
  });

  afterAll(async () => {
    await server.close();
  });

  it("keeps everyone of a room on one worker and spreads rooms over the workers", async () => {
    const a1 = await WireClient.joined(url, "spread-a", "Ann");
    const b1 = await WireClient.joined(url, "spread-b", "Bob");
    const a2 = await WireClient.joined(url, "spread-a", "Amy");
    expect((await a1.next("participant.joined")).participant.name).toBe("Amy");
    expect(pool.workerOf("spread-a")).not.toBe(pool.workerOf("spread-b"));
    expect(await server.rooms.roomSize("spread-a")).toBe(2);
    expect(await server.rooms.roomSize("spread-b")).toBe(1);
    for (const c of [a1, a2, b1]) c.close();
    await expect.poll(() => server.rooms.roomSize("spread-a")).toBeUndefined();
    expect(pool.workerOf("spread-a")).toBeUndefined();
  });

  it("closes the sessions of a worker that dies with ROOM_LOST, and the room can be joined again", async () => {
    const ann = await WireClient.joined(url, "crash", "Ann");
    const other = await WireClient.joined(url, "elsewhere-ok", "Eve");
    const index = pool.workerOf("crash")!;
    await pool.terminate(index);
    expect(await ann.closed()).toBe(CloseCode.ROOM_LOST);
    const again = await WireClient.joined(url, "crash", "Ann");
    expect(await server.rooms.roomSize("crash")).toBe(1);
    if (pool.workerOf("elsewhere-ok") !== undefined) {
      // The other room was on the other worker and did not notice.
      expect(other.closeCode).toBeUndefined();
    }
    again.close();
    other.close();
  });
});

describe("rooms in the main thread (WORKERS=0)", () => {
  it("hosts a meeting without worker threads", async () => {
    const server = await startTestServer({ workers: 0 });
    const url = wsUrl(server);
    const ann = await WireClient.joined(url, "inline", "Ann");
    const bob = await WireClient.joined(url, "inline", "Bob");
    expect((await ann.next("participant.joined")).participant.name).toBe("Bob");
    expect(await server.rooms.roomSize("inline")).toBe(2);
    ann.close();
    bob.close();
    await server.close();
  });
});
