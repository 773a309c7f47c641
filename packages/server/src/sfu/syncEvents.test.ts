import { RTCDtlsTransport, RTCRtpReceiver } from "werift";
import { describe, expect, it } from "vitest";
import { installSyncMediaEvents, syncEvent, type WeriftEvent } from "./syncEvents.js";

/** A fresh werift Event (the class is not exported; a receiver makes one). */
function weriftEvent(): WeriftEvent & { subscribe(f: (...args: unknown[]) => void): unknown; queuingSubscribe(f: (...args: unknown[]) => Promise<void>): unknown; complete(): void } {
  return new RTCRtpReceiver({} as never, "video", 1).onRtcp as never;
}

/** Counts promises made while `run` runs (async functions make one each). */
function promisesMadeBy(run: () => void): number {
  let made = 0;
  const then = Promise.prototype.then;
  Promise.prototype.then = function (this: Promise<unknown>, ...args: Parameters<typeof then>) {
    made++;
    return then.apply(this, args);
  } as typeof then;
  try {
    run();
  } finally {
    Promise.prototype.then = then;
  }
  return made;
}

describe("syncEvent", () => {
  it("calls the listeners in turn with the arguments, and makes no promise", () => {
    const event = weriftEvent();
    const calls: unknown[][] = [];
    event.subscribe((...args) => calls.push(["a", ...args]));
    event.subscribe((...args) => calls.push(["b", ...args]));
    // werift's own execute starts an async function per call: a promise and its `catch`.
    expect(promisesMadeBy(() => event.execute(1, "x"))).toBeGreaterThan(0);
    syncEvent(event);
    syncEvent(event);
    calls.length = 0;
    expect(promisesMadeBy(() => event.execute(2, "y"))).toBe(0);
    expect(calls).toEqual([
      ["a", 2, "y"],
      ["b", 2, "y"],
    ]);
  });

  it("still awaits queued listeners in order after the others, and reports their failure to onerror", async () => {
    const event = weriftEvent();
    syncEvent(event);
    const order: string[] = [];
    const errors: unknown[] = [];
    event.onerror = (error) => errors.push(error);
    event.queuingSubscribe(async (v) => {
      await new Promise((r) => setTimeout(r, 5));
      order.push(`queued ${String(v)}`);
      throw new Error("queued failed");
    });
    event.subscribe((v) => order.push(`plain ${String(v)}`));
    event.execute(7);
    expect(order).toEqual(["plain 7"]);
    await new Promise((r) => setTimeout(r, 30));
    expect(order).toEqual(["plain 7", "queued 7"]);
    expect(errors).toHaveLength(1);
  });

  it("passes a listener's exception to the caller and calls nothing once the event ended, as werift does", () => {
    const event = weriftEvent();
    syncEvent(event);
    event.subscribe(() => {
      throw new Error("listener failed");
    });
    expect(() => event.execute()).toThrow("listener failed");
    let called = false;
    const ended = weriftEvent();
    syncEvent(ended);
    ended.subscribe(() => (called = true));
    ended.complete();
    ended.execute();
    expect(called).toBe(false);
  });
});

describe("installSyncMediaEvents", () => {
  it("makes a DTLS transport's media events and its ICE connection's data events synchronous when SRTP starts", () => {
    installSyncMediaEvents();
    const [onRtp, onRtcp, onData, onDataReceived] = [weriftEvent(), weriftEvent(), weriftEvent(), weriftEvent()];
    const transport = Object.create(RTCDtlsTransport.prototype) as Record<string, unknown>;
    Object.assign(transport, {
      srtpStarted: false,
      config: {},
      onRtp,
      onRtcp,
      updateSrtpSession: () => undefined,
      iceTransport: { connection: { onData, protocols: [{ onDataReceived }] } },
    });
    (transport as unknown as { startSrtp(): void }).startSrtp();
    expect(transport.srtpStarted).toBe(true);
    for (const event of [onRtp, onRtcp, onData, onDataReceived]) {
      let got: unknown;
      event.subscribe((v) => (got = v));
      expect(promisesMadeBy(() => event.execute("packet"))).toBe(0);
      expect(got).toBe("packet");
    }
  });
});
