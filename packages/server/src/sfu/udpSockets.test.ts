import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import { UdpTransport } from "werift";
import { afterEach, describe, expect, it } from "vitest";
import { closeUdpSockets, installUdpSocketTuning, openUdpSocketCount, probeUdpBufferSizes, tuneUdpSocket, udpBufferCapMessage } from "./udpSockets.js";

const open: Socket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close(() => undefined);
});

async function receiver(address = "127.0.0.1"): Promise<{ socket: Socket; port: number; next: Promise<Buffer> }> {
  const socket = createSocket("udp4");
  open.push(socket);
  const next = once(socket, "message").then(([data]) => data as Buffer);
  await new Promise<void>((r) => socket.bind(0, address, () => r()));
  return { socket, port: socket.address().port, next };
}

async function bound(): Promise<Socket> {
  const socket = createSocket("udp4");
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
  return socket;
}

describe("media UDP sockets", () => {
  it("closeUdpSockets closes every socket werift opened in this thread (a worker does so before it ends)", async () => {
    installUdpSocketTuning(64 * 1024);
    const before = openUdpSocketCount();
    const transports = await Promise.all([0, 1].map(() => UdpTransport.init("udp4", { interfaceAddresses: { udp4: "127.0.0.1" } })));
    expect(openUdpSocketCount()).toBe(before + 2);
    const closed = transports.map((t) => once(t.socket, "close"));
    expect(closeUdpSockets()).toBe(before + 2);
    await Promise.all(closed);
    expect(openUdpSocketCount()).toBe(0);
    expect(closeUdpSockets()).toBe(0);
  });

  it("a socket werift opens gets the buffer size asked for", async () => {
    // 64 KiB is below every kernel's default and cap, so the effect is visible anywhere.
    installUdpSocketTuning(64 * 1024);
    const control = await bound();
    open.push(control);
    const defaultSize = control.getRecvBufferSize();
    control.setRecvBufferSize(64 * 1024);
    control.setSendBufferSize(64 * 1024);
    const transport = await UdpTransport.init("udp4", { interfaceAddresses: { udp4: "127.0.0.1" } });
    try {
      expect(transport.socket.getRecvBufferSize()).toBe(control.getRecvBufferSize());
      expect(transport.socket.getRecvBufferSize()).not.toBe(defaultSize);
      expect(transport.socket.getSendBufferSize()).toBe(control.getSendBufferSize());
    } finally {
      await transport.close();
      installUdpSocketTuning();
    }
  });

  it("a datagram to a literal address leaves at once, even if the socket closes right after", async () => {
    const rx = await receiver();
    const tx = await bound();
    tuneUdpSocket(tx, 0);
    tx.send(Buffer.from("hello"), rx.port, "127.0.0.1");
    // Node's own lookup would answer on the next tick, after this close, and nothing would leave.
    tx.close();
    expect((await rx.next).toString()).toBe("hello");
  });

  it("a host name still goes through the resolver", async () => {
    const rx = await receiver();
    const tx = await bound();
    open.push(tx);
    tuneUdpSocket(tx, 0);
    tx.send(Buffer.from("by name"), rx.port, "localhost");
    expect((await rx.next).toString()).toBe("by name");
  });

  it("reports the buffer the kernel granted, as asked for", async () => {
    const granted = await probeUdpBufferSizes(64 * 1024);
    expect(granted).toEqual({ receive: 64 * 1024, send: 64 * 1024 });
  });

  it("tells an operator how to raise a kernel cap below the size asked for, and is silent otherwise", () => {
    expect(udpBufferCapMessage(1048576, { receive: 212992, send: 212992 })).toContain("sysctl -w net.core.rmem_max=1048576 net.core.wmem_max=1048576");
    expect(udpBufferCapMessage(1048576, { receive: 1048576, send: 1048576 })).toBeUndefined();
    expect(udpBufferCapMessage(0, { receive: 212992, send: 212992 })).toBeUndefined();
  });

  it("a socket keeps sending after its destination changes from one literal address to another", async () => {
    const a = await receiver();
    const b = await receiver("127.0.0.2");
    const tx = await bound();
    open.push(tx);
    tuneUdpSocket(tx, 0);
    tx.send(Buffer.from("to a"), a.port, "127.0.0.1");
    tx.send(Buffer.from("to b"), b.port, "127.0.0.2");
    expect((await a.next).toString()).toBe("to a");
    expect((await b.next).toString()).toBe("to b");
  });
});
