import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloseCode } from "@confab/protocol";
import type { RunningServer } from "../server.js";
import { startTestServer, wsUrl, WireClient } from "../testing/index.js";
import { WorkerPool, mainThreadUdpPort, sharedUdpPortCount, threadPortRange, workerPortRange, workerUdpPort } from "./WorkerPool.js";
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
  it("gives worker i the shared port RTC_UDP_PORT + i and the main thread the one after the workers' (all one port with WORKERS=0)", () => {
    expect([0, 1].map((i) => workerUdpPort(7882, i))).toEqual([7882, 7883]);
    expect(workerUdpPort(undefined, 1)).toBeUndefined();
    expect(mainThreadUdpPort(7882, 2)).toBe(7884);
    expect(sharedUdpPortCount(2)).toBe(3);
    expect(mainThreadUdpPort(7882, 0)).toBe(7882);
    expect(sharedUdpPortCount(0)).toBe(1);
  });

  it("gives each worker its own slice of RTC_PORT_MIN..MAX, the last one taking the rest", () => {
    expect(workerPortRange([40000, 40099], 0, 2)).toEqual([40000, 40049]);
    expect(workerPortRange([40000, 40100], 1, 2)).toEqual([40050, 40100]);
    expect(workerPortRange([40000, 40002], 2, 3)).toEqual([40000, 40002]);
    expect(workerPortRange(undefined, 0, 2)).toBeUndefined();
  });

  it("with one socket per thread, gives the main thread a slice of its own after the workers', so it never takes a worker's only port", () => {
    const shared = { portRange: [40000, 40002] as [number, number], udpSockets: "shared" as const };
    expect([0, 1, 2].map((i) => threadPortRange(shared, 2, i))).toEqual([
      [40000, 40000],
      [40001, 40001],
      [40002, 40002],
    ]);
    const wide = { ...shared, portRange: [40000, 40999] as [number, number] };
    expect([0, 1, 2].map((i) => threadPortRange(wide, 2, i))).toEqual([
      [40000, 40332],
      [40333, 40665],
      [40666, 40999],
    ]);
    // Rooms and probes in one thread: the whole range.
    expect(threadPortRange(wide, 0, 0)).toEqual([40000, 40999]);
    // A socket per connection: workers split the range, the probes share all of it, as before.
    const perConnection = { ...wide, udpSockets: "connection" as const };
    expect([0, 1, 2].map((i) => threadPortRange(perConnection, 2, i))).toEqual([[40000, 40499], [40500, 40999], [40000, 40999]]);
  });
});

describe("SFU worker threads", () => {
  let server: RunningServer;
  let url: string;
  let pool: WorkerPool;

  beforeAll(async () => {
    server = await startTestServer({ workers: 2, testFaults: true });
    url = wsUrl(server);
    pool = server.rooms as WorkerPool;
  });

  afterAll(async () => {
    await server.close();
  });

  it("reports each worker thread's own V8 memory in /metrics (heap used and allocated, external, ArrayBuffers)", async () => {
    await expect.poll(() => pool.stats().workerMemory.map((m) => m.worker).sort(), { timeout: 10_000 }).toEqual([0, 1]);
    for (const m of pool.stats().workerMemory) {
      expect(m.heapUsed).toBeGreaterThan(0);
      expect(m.heapTotal).toBeGreaterThanOrEqual(m.heapUsed);
      expect(m.external).toBeGreaterThanOrEqual(m.arrayBuffers);
    }
    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    for (const worker of ["0", "1"]) {
      for (const kind of ["heap_used", "heap_total", "external", "array_buffers"]) {
        expect(text).toMatch(new RegExp(`^confab_sfu_worker_memory_bytes\\{worker="${worker}",kind="${kind}"\\} [1-9]`, "m"));
      }
    }
  });

  it("samples a worker's event-loop delay only while it hosts someone: idle workers report none, a busy one its delay in /metrics", async () => {
    const delay = async () => {
      const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
      return Number(/^confab_sfu_workers_event_loop_delay_p99_seconds (\S+)$/m.exec(text)?.[1]);
    };
    await expect.poll(() => pool.stats().workerMemory.length, { timeout: 10_000 }).toBe(2);
    expect(await delay()).toBe(0);
    const ann = await WireClient.joined(url, "loop-delay", "Ann");
    // Each sample includes the 10 ms sampling interval: a hosting worker never reads 0.
    await expect.poll(delay, { timeout: 10_000 }).toBeGreaterThan(0);
    ann.close();
    await expect.poll(delay, { timeout: 10_000 }).toBe(0);
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
    // Rooms are only counted until everyone's leave reaches the main thread.
    await expect.poll(() => pool.workerOf("spread-b")).toBeUndefined();
  });

  it("closes the sessions of a worker that dies with ROOM_LOST, and the room can be joined again", async () => {
    const ann = await WireClient.joined(url, "crash", "Ann");
    await pool.terminate(pool.workerOf("crash")!);
    expect(await ann.closed()).toBe(CloseCode.ROOM_LOST);
    const again = await WireClient.joined(url, "crash", "Ann");
    expect(await server.rooms.roomSize("crash")).toBe(1);
    again.close();
    await expect.poll(() => pool.workerOf("crash")).toBeUndefined();
  });

  it("a worker that crashes (the test fault hook) loses only its own rooms: they are re-created on a live worker, a room on the other worker goes on undisturbed", async () => {
    const ann = await WireClient.joined(url, "fault-a", "Ann");
    const eve = await WireClient.joined(url, "fault-b", "Eve");
    const finn = await WireClient.joined(url, "fault-b", "Finn");
    await eve.next("participant.joined");
    const crashed = pool.workerOf("fault-a");
    expect(pool.workerOf("fault-b")).not.toBe(crashed);

    const response = await fetch(`${server.httpUrl}/_test/crash-worker?room=fault-a`, { method: "POST" });
    expect(response.status).toBe(204);
    expect(await ann.closed()).toBe(CloseCode.ROOM_LOST);
    // The room comes back on a live worker as soon as someone joins it.
    const back = await WireClient.joined(url, "fault-a", "Ann");
    expect(await server.rooms.roomSize("fault-a")).toBe(1);
    // The other room noticed nothing: its sockets are open, nobody left, and it still works.
    eve.sendJson({ type: "chat", text: "still here" });
    expect((await finn.next("chat")).message.text).toBe("still here");
    for (const c of [eve, finn]) {
      expect(c.closeCode).toBeUndefined();
      expect(c.messages.filter((m) => m.type === "participant.left" || m.type === "participant.updated")).toEqual([]);
    }
    for (const c of [back, eve, finn]) c.close();
  });
});

describe("the test fault hook", () => {
  it("does not exist unless CONFAB_TEST_FAULTS is set", async () => {
    const plain = await startTestServer({ workers: 1 });
    const ann = await WireClient.joined(wsUrl(plain), "no-faults", "Ann");
    const response = await fetch(`${plain.httpUrl}/_test/crash-worker?room=no-faults`, { method: "POST" });
    expect(response.status).toBe(404);
    expect((plain.rooms as WorkerPool).crashWorkerOf("no-faults")).toBe(false);
    expect(await plain.rooms.roomSize("no-faults")).toBe(1);
    ann.close();
    await plain.close();
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
