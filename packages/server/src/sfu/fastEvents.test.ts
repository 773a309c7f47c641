import { Event, MediaStreamTrack, RTCRtpReceiver } from "werift";
import { describe, expect, it } from "vitest";
import { fastenEvent, installFastEvents } from "./fastEvents.js";

type AnyEvent = Event<unknown[]>;

/**
 * Runs the same story on an event and returns what its subscribers saw: sync subscribers (one
 * subscribing another mid-call, one unsubscribing itself), queuing subscribers (awaited in
 * order, one rejecting), a subscriber that throws, and calls after `complete`.
 */
async function story(e: AnyEvent): Promise<string[]> {
  const log: string[] = [];
  e.onerror = (error) => log.push(`onerror ${String(error)}`);
  let added = false;
  e.subscribe((a, b) => {
    log.push(`first ${String(a)} ${String(b)}`);
    if (!added) {
      added = true;
      e.subscribe((...args) => log.push(`late ${args.length}`));
    }
  });
  const once = e.subscribe(() => {
    log.push("self-removing");
    once.unSubscribe();
  });
  e.execute(1, 2);
  e.execute("x");
  e.execute();
  await new Promise((r) => setImmediate(r));
  e.queuingSubscribe(async (a) => {
    await new Promise((r) => setTimeout(r, 1));
    log.push(`queued-1 ${String(a)}`);
  });
  e.queuingSubscribe(async (a) => {
    log.push(`queued-2 ${String(a)}`);
    if (a === "boom") throw new Error("rejected");
  });
  e.execute("q");
  log.push("after execute q");
  e.execute("boom");
  await new Promise((r) => setTimeout(r, 20));
  const thrower = e.subscribe((a) => {
    if (a === "throw") throw new Error("sync");
  });
  try {
    e.execute("throw");
  } catch (error) {
    log.push(`caught ${(error as Error).message}`);
  }
  thrower.unSubscribe();
  await new Promise((r) => setTimeout(r, 20));
  e.complete();
  e.execute("after complete");
  await new Promise((r) => setTimeout(r, 5));
  return log;
}

describe("fastenEvent", () => {
  it("calls, awaits and reports exactly as werift's Event does", async () => {
    const werift = await story(new Event());
    const fast = new Event();
    expect(fastenEvent(fast)).toBe(true);
    expect(await story(fast)).toEqual(werift);
    // The story covers every branch: late subscriber, queued order, rejection, sync throw.
    expect(werift).toContain("late 1");
    expect(werift).toContain("queued-2 q");
    expect(werift).toContain("onerror Error: rejected");
    expect(werift).toContain("caught sync");
    expect(werift.filter((l) => l === "self-removing")).toHaveLength(1);
  });

  it("leaves anything that is not werift's Event alone, and fastens once", () => {
    expect(fastenEvent(undefined)).toBe(false);
    expect(fastenEvent({ execute: () => undefined })).toBe(false);
    expect(fastenEvent({ execute: () => undefined, ended: false, onerror: () => undefined, event: { stack: [] } })).toBe(false);
    const e = new Event();
    expect(fastenEvent(e)).toBe(true);
    const execute = e.execute;
    expect(fastenEvent(e)).toBe(false);
    expect(e.execute).toBe(execute);
  });

  it("is installed on a remote track's events and its receiver's RTCP when werift adds the track", () => {
    installFastEvents();
    const receiver = new RTCRtpReceiver({} as never, "video", 1);
    const track = new MediaStreamTrack({ kind: "video", remote: true, ssrc: 5 });
    const before = track.onReceiveRtp.execute;
    receiver.addTrack(track);
    expect(track.onReceiveRtp.execute).not.toBe(before);
    expect(fastenEvent(track.onReceiveRtp)).toBe(false);
    expect(fastenEvent(track.onReceiveRtcp)).toBe(false);
    expect(fastenEvent(receiver.onRtcp)).toBe(false);
    // And the track still works: werift's own subscriber marks it unmuted.
    track.onReceiveRtp.execute({ header: { ssrc: 5 } } as never);
    expect(track.muted).toBe(false);
    receiver.stop();
  });
});
