/**
 * The sending side of the kernel-floor scenario ({@link ./floor.ts}), in a process of its own as
 * the fan-out's delay probe is: it sends 1100-byte datagrams to the relay on a 2 ms clock (the
 * probe publisher's pacing) and is one of the relay's receivers.
 * argv: relay port, packets per second. IPC: see {@link FloorChildMessage}.
 */
import { createSocket } from "node:dgram";

export type FloorChildMessage = { type: "send" } | { type: "open" } | { type: "close" } | { type: "collect" };
/** `opened`/`closed`: the window is sequence numbers [first, end); `result`: what this receiver got of it. */
export type FloorChildReply =
  | { type: "port"; port: number }
  | { type: "opened"; first: number }
  | { type: "closed"; end: number }
  | { type: "result"; received: number; delays: number[] };

const relayPort = Number(process.argv[2]);
const pps = Number(process.argv[3]);
const TICK_MS = 2;
const payload = Buffer.alloc(1100, 0x5a);
let next = 0;
let first = Infinity;
let end = Infinity;
let received = 0;
/** Send → arrival at this receiver, ms, for the window's packets (one clock: this process's). */
const delays: number[] = [];
let timer: NodeJS.Timeout | undefined;

const socket = createSocket("udp4");
socket.on("message", (data: Buffer) => {
  const seq = data.readUInt32BE(0);
  if (seq < first || seq >= end) return;
  received++;
  delays.push(performance.now() - data.readDoubleBE(4));
});
socket.bind(0, "127.0.0.1", () => process.send?.({ type: "port", port: socket.address().port } satisfies FloorChildReply));

process.on("message", (message: FloorChildMessage) => {
  if (message.type === "send") {
    const perTick = (pps * TICK_MS) / 1000;
    const started = performance.now();
    let due = 0;
    // Catch up on late ticks so the rate holds when the timer fires late.
    timer = setInterval(() => {
      const target = Math.floor(((performance.now() - started) / 1000) * pps);
      // At most 4 ticks' worth at once: a long stall is skipped, not sent as one burst.
      const count = Math.min(target - due, perTick * 4);
      for (let i = 0; i < count; i++) {
        // A buffer each: dgram may still hold the last one (the child's CPU is not measured).
        const packet = Buffer.from(payload);
        packet.writeUInt32BE(next++, 0);
        packet.writeDoubleBE(performance.now(), 4);
        socket.send(packet, relayPort, "127.0.0.1");
      }
      due = target;
    }, TICK_MS);
  } else if (message.type === "open") {
    first = next;
    process.send?.({ type: "opened", first } satisfies FloorChildReply);
  } else if (message.type === "close") {
    clearInterval(timer);
    end = next;
    process.send?.({ type: "closed", end } satisfies FloorChildReply);
  } else {
    process.send?.({ type: "result", received, delays } satisfies FloorChildReply, () => {
      socket.close();
      process.disconnect();
    });
  }
});
