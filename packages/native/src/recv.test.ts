import { createSocket, type Socket } from "node:dgram";
import { readdirSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { RECV_META_FIELDS, RECV_SLOT_BYTES, RECV_SLOTS, loadNative, type UdpReceiver } from "./index.js";

const addon = loadNative().addon;

/** The dgram socket's libuv handle (its fd, and recvStop to stop Node's own reading). */
function handleOf(socket: Socket): { fd: number; recvStop(): number } {
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === "state symbol")!;
  return (socket as unknown as Record<symbol, { handle: { fd: number; recvStop(): number } }>)[key]!.handle;
}

async function bound(): Promise<Socket> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return socket;
}

const openFds = () => readdirSync("/proc/self/fd").length;

interface Datagram {
  text: string;
  length: number;
  address: number;
  port: number;
}

describe.skipIf(!addon?.recvStart)("native receive (recvmmsg on the event loop)", () => {
  const a = addon!;
  const sockets: Socket[] = [];
  const receivers: UdpReceiver[] = [];
  afterEach(() => {
    for (const r of receivers.splice(0)) a.recvStop!(r);
    for (const s of sockets.splice(0)) s.close();
  });

  /** Starts a receiver on `socket` in place of Node's reading; collects what it delivers. */
  function receive(socket: Socket): { got: Datagram[]; runs: number[]; receiver: UdpReceiver } {
    const arena = new Uint8Array(RECV_SLOTS * RECV_SLOT_BYTES);
    const meta = new Int32Array(RECV_SLOTS * RECV_META_FIELDS);
    const got: Datagram[] = [];
    const runs: number[] = [];
    const handle = handleOf(socket);
    const receiver = a.recvStart!(handle.fd, arena, meta, (count) => {
      runs.push(count);
      for (let i = 0; i < count; i++) {
        const [length, address, port] = meta.subarray(i * RECV_META_FIELDS, (i + 1) * RECV_META_FIELDS);
        const start = i * RECV_SLOT_BYTES;
        const text = length! >= 0 ? Buffer.from(arena.subarray(start, start + length!)).toString() : "";
        got.push({ text, length: length!, address: address! >>> 0, port: port! });
      }
    });
    handle.recvStop();
    receivers.push(receiver);
    return { got, runs, receiver };
  }

  async function until(check: () => boolean): Promise<void> {
    for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  }

  it("delivers datagrams with their sender's address and port, in order, in runs", async () => {
    const [to, from] = await Promise.all([bound(), bound()]);
    sockets.push(to, from);
    const { got, runs } = receive(to);
    const words = Array.from({ length: 70 }, (_, i) => `datagram ${i}`);
    for (const w of words) from.send(w, to.address().port, "127.0.0.1");
    await until(() => got.length === words.length);
    expect(got.map((g) => g.text)).toEqual(words);
    expect(got.every((g) => g.address === 0x7f000001 && g.port === from.address().port)).toBe(true);
    expect(got.every((g, i) => g.length === Buffer.byteLength(words[i]!))).toBe(true);
    // At most a run's worth per call, and the 70 datagrams in fewer calls than datagrams.
    expect(Math.max(...runs)).toBeLessThanOrEqual(RECV_SLOTS);
    expect(runs.reduce((s, n) => s + n, 0)).toBe(words.length);
  });

  it("reports a datagram longer than a slot as cut (length -1) and goes on with the next", async () => {
    const [to, from] = await Promise.all([bound(), bound()]);
    sockets.push(to, from);
    const { got } = receive(to);
    from.send(Buffer.alloc(RECV_SLOT_BYTES + 1, 0x61), to.address().port, "127.0.0.1");
    from.send("after", to.address().port, "127.0.0.1");
    await until(() => got.length === 2);
    expect(got.map((g) => g.length)).toEqual([-1, 5]);
    expect(got[1]!.text).toBe("after");
  });

  it("stops delivering and closes its descriptor at recvStop, which can be called twice", async () => {
    const [to, from] = await Promise.all([bound(), bound()]);
    sockets.push(to, from);
    const before = openFds();
    const { got, receiver } = receive(to);
    expect(openFds()).toBe(before + 1);
    from.send("one", to.address().port, "127.0.0.1");
    await until(() => got.length === 1);
    a.recvStop!(receiver);
    a.recvStop!(receiver);
    // The duplicate is closed when libuv has closed the poll handle (the next loop turn).
    await until(() => openFds() === before);
    expect(openFds()).toBe(before);
    from.send("two", to.address().port, "127.0.0.1");
    await new Promise((r) => setTimeout(r, 100));
    expect(got.map((g) => g.text)).toEqual(["one"]);
  });

  it("refuses bad arguments with typed errors", async () => {
    const socket = await bound();
    sockets.push(socket);
    const fd = handleOf(socket).fd;
    const arena = new Uint8Array(RECV_SLOTS * RECV_SLOT_BYTES);
    const meta = new Int32Array(RECV_SLOTS * RECV_META_FIELDS);
    const noop = () => undefined;
    expect(() => a.recvStart!(-1, arena, meta, noop)).toThrow(RangeError);
    expect(() => a.recvStart!(fd, new Uint8Array(16), meta, noop)).toThrow(RangeError);
    expect(() => a.recvStart!(fd, arena, new Int32Array(3), noop)).toThrow(RangeError);
    expect(() => a.recvStart!(fd, arena, new Uint32Array(RECV_SLOTS * RECV_META_FIELDS) as unknown as Int32Array, noop)).toThrow(TypeError);
    expect(() => a.recvStart!(fd, arena, meta, "no" as unknown as () => void)).toThrow(TypeError);
    // Descriptor 0 is not a datagram socket.
    expect(() => a.recvStart!(0, arena, meta, noop)).toThrow(RangeError);
    expect(() => a.recvStop!({} as UdpReceiver)).toThrow(TypeError);
  });
});
