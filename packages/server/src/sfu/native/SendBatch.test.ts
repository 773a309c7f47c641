import { createSocket, type Socket } from "node:dgram";
import { loadNative } from "@confab/native";
import { afterEach, describe, expect, it } from "vitest";
import { DirectSend, parseIpv4 } from "../DirectSend.js";
import { dgramState, socketFd } from "./dgramState.js";
import { SendBatch } from "./SendBatch.js";

const addon = loadNative().addon;

async function bound(): Promise<Socket> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return socket;
}

function receive(socket: Socket, count: number): Promise<string[]> {
  const got: string[] = [];
  return new Promise((resolve) =>
    socket.on("message", (m) => {
      got.push(m.toString());
      if (got.length === count) resolve(got);
    }),
  );
}

/** A werift ICE connection as DirectSend sees it, nominated on `socket` toward `to`. */
function connection(socket: Socket, to: Socket) {
  return {
    state: "connected",
    nominated: { protocol: { type: "stun", transport: { socket, closed: false } }, remoteAddr: ["127.0.0.1", to.address().port] as [string, number], packetsSent: 0, bytesSent: 0 },
    sent: [] as Buffer[],
    async send(data: Buffer) {
      this.sent.push(data);
    },
  };
}

describe.skipIf(!addon)("SendBatch and DirectSend on the native path", () => {
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });

  it("sends a turn's packets in one flush after the turn's I/O, sealed ones in place and others copied", async () => {
    const [from, to] = await Promise.all([bound(), bound()]);
    sockets.push(from!, to!);
    const batch = new SendBatch(addon!);
    const got = receive(to!, 3);
    const fd = socketFd(from!);
    const state = dgramState(from!)!;
    const at = batch.room(5);
    batch.data.write("first", at);
    const sealed = batch.claimView(at, 5);
    expect(batch.holds(sealed)).toBe(true);
    expect(batch.holds(Buffer.from(sealed))).toBe(false);
    batch.queue(state, fd, sealed, parseIpv4("127.0.0.1")!, to!.address().port);
    const foreign = Buffer.from("second");
    batch.queue(state, fd, foreign, parseIpv4("127.0.0.1")!, to!.address().port);
    foreign.write("XXXXXX"); // copied when queued: later changes do not reach the wire
    batch.queue(state, fd, Buffer.from("third"), parseIpv4("127.0.0.1")!, to!.address().port);
    expect(batch.sent).toBe(0); // nothing leaves before the turn's I/O is done
    await new Promise((r) => setImmediate(r));
    expect(batch.sent).toBe(3);
    expect(await got).toEqual(["first", "second", "third"]);
  });

  it("holds what is queued during a hold and sends it at the outermost release, without waiting for the turn", async () => {
    const [from, to] = await Promise.all([bound(), bound()]);
    sockets.push(from!, to!);
    const batch = new SendBatch(addon!);
    const got = receive(to!, 2);
    const queue = (text: string) => batch.queue(dgramState(from!)!, socketFd(from!), Buffer.from(text), parseIpv4("127.0.0.1")!, to!.address().port);
    batch.hold();
    batch.hold();
    queue("one");
    queue("two");
    batch.release();
    await new Promise((r) => setImmediate(r));
    expect(batch.sent).toBe(0); // still held by the outer hold: no flush was scheduled
    batch.release();
    expect(batch.sent).toBe(2); // at the release itself
    expect(await got).toEqual(["one", "two"]);
    batch.release(); // an unmatched release does nothing
    queue("three");
    expect(batch.sent).toBe(2);
    await new Promise((r) => setImmediate(r));
    expect(batch.sent).toBe(3); // unheld again: the turn's flush
  });

  it("flushes early when the arena is full, keeping every packet", async () => {
    const [from, to] = await Promise.all([bound(), bound()]);
    sockets.push(from!, to!);
    const batch = new SendBatch(addon!);
    const total = Math.ceil(batch.data.length / 1200) + 5;
    // More than the receiver's default kernel buffer holds: count what the kernel took.
    for (let i = 0; i < total; i++) {
      const packet = Buffer.alloc(1200, i);
      batch.queue(dgramState(from!)!, socketFd(from!), packet, parseIpv4("127.0.0.1")!, to!.address().port);
    }
    expect(batch.sent).toBeGreaterThan(0);
    await new Promise((r) => setImmediate(r));
    expect(batch.sent).toBe(total);
    expect(batch.dropped).toBe(0);
  });

  it("drops a queued packet whose socket closed before the flush, even when its descriptor number was reused", async () => {
    const [from, to] = await Promise.all([bound(), bound()]);
    sockets.push(to!);
    const batch = new SendBatch(addon!);
    const fd = socketFd(from!);
    batch.queue(dgramState(from!)!, fd, Buffer.from("late"), parseIpv4("127.0.0.1")!, to!.address().port);
    from!.close();
    const reused = await bound(); // the lowest free descriptor: usually the one just closed
    sockets.push(reused);
    await new Promise((r) => setImmediate(r));
    expect(batch.sent).toBe(0);
    expect(batch.dropped).toBe(1);
  });

  it("DirectSend sends through the batch on an IPv4 pair and counts werift's pair statistics", async () => {
    const [from, to] = await Promise.all([bound(), bound()]);
    sockets.push(from!, to!);
    const batch = new SendBatch(addon!);
    const ice = connection(from!, to!);
    const direct = new DirectSend(ice, { addon: addon!, batch });
    const got = receive(to!, 2);
    direct.send(Buffer.from("a"));
    direct.send(Buffer.from("bc"));
    expect(await got).toEqual(["a", "bc"]);
    expect(batch.sent).toBe(2);
    expect(ice.nominated.packetsSent).toBe(2);
    expect(ice.nominated.bytesSent).toBe(3);
    expect(ice.sent).toEqual([]);
  });
});

describe.skipIf(!addon)("DirectSend before a pair is nominated", () => {
  it("hands werift a copy of a packet sealed in the batch's arena, never the arena itself", () => {
    const batch = new SendBatch(addon!);
    const sent: Buffer[] = [];
    const ice = { state: "checking", nominated: undefined, send: async (data: Buffer) => void sent.push(data) };
    const at = batch.room(3);
    batch.data.write("abc", at);
    // The view just claimed (the one sealing returns), and any other view of the arena.
    new DirectSend(ice, { addon: addon!, batch }).send(batch.claimView(at, 3));
    new DirectSend(ice, { addon: addon!, batch }).send(batch.data.subarray(at, at + 3));
    expect(sent).toHaveLength(2);
    for (const copy of sent) {
      expect(copy.toString()).toBe("abc");
      expect(batch.holds(copy)).toBe(false);
    }
  });
});

describe("parseIpv4", () => {
  it("reads dotted quads as host-order integers and refuses anything else", () => {
    expect(parseIpv4("127.0.0.1")).toBe(0x7f000001);
    expect(parseIpv4("255.255.255.255")).toBe(-1);
    expect(parseIpv4("10.0.0.256")).toBeUndefined();
    expect(parseIpv4("::1")).toBeUndefined();
    expect(parseIpv4("1.2.3")).toBeUndefined();
  });
});
