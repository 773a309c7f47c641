import { createSocket, type Socket } from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { SEND_META_FIELDS, loadNative } from "./index.js";

const addon = loadNative().addon;
const LOOPBACK = 0x7f000001;

/** The fd under a bound dgram socket (libuv's handle; what the server reads too). */
function fdOf(socket: Socket): number {
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === "state symbol")!;
  return (socket as unknown as Record<symbol, { handle: { fd: number } }>)[key]!.handle.fd;
}

async function bound(): Promise<Socket> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return socket;
}

describe.skipIf(!addon)("native sendBatch (sendmmsg)", () => {
  const a = addon!;
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });

  it("delivers every packet of a batch spanning two sockets and two receivers, in order", async () => {
    const [from1, from2, to1, to2] = await Promise.all([bound(), bound(), bound(), bound()]);
    sockets.push(from1!, from2!, to1!, to2!);
    const got: string[] = [];
    const done = new Promise<void>((resolve) => {
      const on = (tag: string) => (m: Buffer) => {
        got.push(`${tag}:${m.toString()}`);
        if (got.length === 5) resolve();
      };
      to1!.on("message", on("a"));
      to2!.on("message", on("b"));
    });
    const data = Buffer.from("zero one two three four");
    const words = [[0, 4], [5, 3], [9, 3], [13, 5], [19, 4]] as const;
    const routes = [[from1!, to1!], [from1!, to2!], [from1!, to1!], [from2!, to2!], [from1!, to1!]] as const;
    const meta = new Int32Array(words.length * SEND_META_FIELDS);
    words.forEach(([offset, length], i) => {
      const [from, to] = routes[i]!;
      meta.set([fdOf(from), offset, length, LOOPBACK, to.address().port], i * SEND_META_FIELDS);
    });
    expect(a.udpFamily(fdOf(from1!))).toBe(4);
    expect(a.sendBatch(meta, words.length, data)).toBe(5);
    await done;
    expect(got.filter((g) => g.startsWith("a"))).toEqual(["a:zero", "a:two", "a:four"]);
    expect(got.filter((g) => g.startsWith("b"))).toEqual(["b:one", "b:three"]);
  });

  it("drops a packet the kernel refuses and still sends the rest", async () => {
    const [from, to] = await Promise.all([bound(), bound()]);
    sockets.push(from!, to!);
    const received = new Promise<string>((resolve) => to!.once("message", (m) => resolve(m.toString())));
    // The first entry goes to a closed fd number (EBADF), the second is fine.
    const meta = Int32Array.from([1_000_000, 0, 2, LOOPBACK, 9, fdOf(from!), 2, 2, LOOPBACK, to!.address().port]);
    expect(a.sendBatch(meta, 2, Buffer.from("xxok"))).toBe(1);
    expect(await received).toBe("ok");
  });

  it("skips an entry withdrawn with fd -1 and sends the others", async () => {
    const [from, to] = await Promise.all([bound(), bound()]);
    sockets.push(from!, to!);
    const received = new Promise<string>((resolve) => to!.once("message", (m) => resolve(m.toString())));
    const port = to!.address().port;
    const meta = Int32Array.from([-1, 0, 2, LOOPBACK, port, fdOf(from!), 2, 2, LOOPBACK, port]);
    expect(a.sendBatch(meta, 2, Buffer.from("nook"))).toBe(1);
    expect(await received).toBe("ok");
  });

  it("refuses entries outside the data, bad ports and counts beyond meta before sending anything", () => {
    const data = Buffer.alloc(10);
    const entry = (offset: number, length: number, port: number) => Int32Array.from([0, offset, length, LOOPBACK, port]);
    expect(() => a.sendBatch(entry(8, 3, 1), 1, data)).toThrow(RangeError);
    expect(() => a.sendBatch(entry(-1, 3, 1), 1, data)).toThrow(RangeError);
    expect(() => a.sendBatch(entry(0, 3, 0), 1, data)).toThrow(RangeError);
    expect(() => a.sendBatch(entry(0, 3, 70_000), 1, data)).toThrow(RangeError);
    expect(() => a.sendBatch(entry(0, 3, 1), 2, data)).toThrow(RangeError);
    expect(() => a.sendBatch(Int32Array.from([-2, 0, 3, LOOPBACK, 1]), 1, data)).toThrow(RangeError);
    expect(() => a.sendBatch(new Uint32Array(5) as unknown as Int32Array, 1, data)).toThrow(TypeError);
    expect(() => a.sendBatch(new Int32Array(5 * 4097), 4097, data)).toThrow(RangeError);
    expect(a.sendBatch(entry(0, 3, 1), 0, data)).toBe(0);
    expect(a.udpFamily(-1)).toBe(0);
    expect(a.udpFamily(0.5)).toBe(0);
  });
});
