import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { defaultConfig } from "../config/config.js";
import { ForwardedTrack } from "./ForwardedTrack.js";
import { Subscriber } from "./Subscriber.js";

const rtc = { ...defaultConfig.rtc, announcedIps: ["127.0.0.1"] };
const failOnListenerError = (event: string, error: unknown) => {
  throw new Error(`${event}: ${String(error)}`);
};
const failOnError = (error: unknown) => {
  throw new Error(String(error));
};

describe("Subscriber and the tracks it is given", () => {
  it("a subscriber that closes leaves no listener on tracks that outlive it (which would keep it, its connection and its writers alive)", () => {
    const track = new ForwardedTrack("t1", "video", "camera", "1", false, 500, () => {});
    const before = track.events.listenerCount("close");
    const subscriber = new Subscriber(rtc, failOnListenerError, failOnError);
    subscriber.addTrack(track, "p1");
    expect(track.events.listenerCount("close")).toBe(before + 1);
    expect(track.sinkCount).toBe(1);
    subscriber.close();
    expect(track.events.listenerCount("close")).toBe(before);
    expect(track.sinkCount).toBe(0);
    track.close();
  });

  it("a track removed from a subscriber takes its listener with it, and a closing track removes itself", () => {
    const kept = new ForwardedTrack("t2", "audio", "microphone", "0", false, 500, () => {});
    const closing = new ForwardedTrack("t3", "audio", "microphone", "2", false, 500, () => {});
    const subscriber = new Subscriber(rtc, failOnListenerError, failOnError);
    subscriber.addTrack(kept, "p2");
    subscriber.addTrack(closing, "p3");
    subscriber.removeTrack("t2");
    expect(kept.events.listenerCount("close")).toBe(0);
    expect(kept.sinkCount).toBe(0);
    closing.close();
    expect(closing.sinkCount).toBe(0);
    expect(closing.events.listenerCount("close")).toBe(0);
    subscriber.close();
    kept.close();
  });

  it("a track that ended is not kept alive by a subscriber that stays (whose stopped transceiver waits to be reused)", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const subscriber = new Subscriber(rtc, failOnListenerError, failOnError);
    let track: ForwardedTrack | undefined = new ForwardedTrack("t9", "video", "camera", "1", false, 500, () => {});
    const ref = new WeakRef(track);
    subscriber.addTrack(track, "p9");
    track.close();
    track = undefined;
    await new Promise((resolve) => setTimeout(resolve, 50));
    gc();
    expect(ref.deref()).toBeUndefined();
    subscriber.close();
  });
});
