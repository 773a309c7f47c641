import { once } from "node:events";
import { connect } from "node:net";
import { describe, expect, it, vi } from "vitest";
import { TcpPassiveProtocol } from "werift";
import { installWeriftPatches } from "./weriftPatches.js";

/** werift's passive ICE-TCP protocol as this test drives it (not all in its typed API). */
interface Passive {
  connectionMade(localIp: string): Promise<void>;
  readonly listeningPort: number;
  readonly activeSocketCount: number;
  sendData(data: Buffer, addr: [string, number]): Promise<void>;
  close(): Promise<void>;
}

describe("application data on an ICE-TCP connection", () => {
  it("is delivered while the browser's connection is open, and dropped without a rejection once the browser closed it", async () => {
    installWeriftPatches();
    const protocol = new TcpPassiveProtocol() as unknown as Passive;
    await protocol.connectionMade("127.0.0.1");
    const client = connect(protocol.listeningPort, "127.0.0.1");
    try {
      await once(client, "connect");
      const addr: [string, number] = ["127.0.0.1", client.localPort!];
      await vi.waitFor(() => expect(protocol.activeSocketCount).toBe(1));
      const received = once(client, "data");
      await protocol.sendData(Buffer.from("hello"), addr);
      // RFC 6544 framing: a 2-byte length, then the datagram.
      expect((await received)[0]).toEqual(Buffer.from([0, 5, ...Buffer.from("hello")]));

      client.destroy();
      await vi.waitFor(() => expect(protocol.activeSocketCount).toBe(0));
      // werift rejected here ("tcp passive connection not established", or EPIPE mid-write),
      // and some of its callers do not catch: an unhandled rejection that ended the process.
      for (let i = 0; i < 5; i++) await expect(protocol.sendData(Buffer.alloc(1000), addr)).resolves.toBeUndefined();
    } finally {
      client.destroy();
      await protocol.close();
    }
  });
});
