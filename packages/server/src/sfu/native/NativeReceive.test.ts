import { createSocket, type Socket } from "node:dgram";
import { loadNative } from "@confab/native";
import { afterEach, describe, expect, it } from "vitest";
import { parseIpv4 } from "../DirectSend.js";
import { dgramState, socketFd } from "./dgramState.js";
import { NativeReceive } from "./NativeReceive.js";
import { SendBatch } from "./SendBatch.js";

const addon = loadNative().addon;

async function bound(): Promise<Socket> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return socket;
}

describe.skipIf(!addon?.recvStart)("NativeReceive", () => {
  const sockets: Socket[] = [];
  const receivers: NativeReceive[] = [];
  afterEach(() => {
    for (const r of receivers.splice(0)) r.close();
    for (const s of sockets.splice(0)) s.close();
  });

  it("delivers each datagram with its sender, and sends what a run queued at the run's end", async () => {
    const [relay, sender, sink] = await Promise.all([bound(), bound(), bound()]);
    sockets.push(relay, sender, sink);
    const batch = new SendBatch(addon!);
    const seen: { text: string; address: string; port: number; sentBefore: number }[] = [];
    const runEnds: number[] = [];
    const receive = NativeReceive.start(
      addon!,
      relay,
      (data, address, port) => {
        // Echo each datagram to the sink through the batch, as the SFU's fan-out does.
        seen.push({ text: data.toString(), address, port, sentBefore: batch.sent });
        batch.queue(dgramState(relay)!, socketFd(relay), data, parseIpv4("127.0.0.1")!, sink.address().port);
        queueMicrotask(() => runEnds.push(batch.sent));
      },
      batch,
    );
    expect(receive).toBeDefined();
    receivers.push(receive!);
    const echoed: string[] = [];
    const done = new Promise<void>((resolve) =>
      sink.on("message", (m) => {
        echoed.push(m.toString());
        if (echoed.length === 3) resolve();
      }),
    );
    for (const text of ["a", "b", "c"]) sender.send(text, relay.address().port, "127.0.0.1");
    await done;
    expect(echoed.sort()).toEqual(["a", "b", "c"]);
    expect(seen.map((s) => s.text).sort()).toEqual(["a", "b", "c"]);
    for (const s of seen) {
      expect(s.address).toBe("127.0.0.1");
      expect(s.port).toBe(sender.address().port);
    }
    // Within a run nothing left before its last datagram was handled; by the run's end all had.
    expect(seen[0]!.sentBefore).toBe(0);
    expect(runEnds.every((sent) => sent > 0)).toBe(true);
    expect(batch.sent).toBe(3);
  });
});
