import { afterEach, describe, expect, it } from "vitest";
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket, type RTCRtpReceiver } from "werift";
import { DownTrack, KEYFRAME_RETRY_MS } from "./DownTrack.js";
import { ForwardedTrack } from "./ForwardedTrack.js";

const RIDS = ["q", "h", "f"];
const SSRCS = [1111, 2222, 3333];

/** A VP8 packet of `layer` (descriptor with S=1, partition 0; the payload header's P bit says keyframe or not). */
function vp8Packet(layer: number, sequenceNumber: number, keyframe: boolean): RtpPacket {
  const payload = Buffer.from([0x10, keyframe ? 0x00 : 0x01, 0, 0, 0, 0, 0, 0, 0, 0]);
  return new RtpPacket(new RtpHeader({ ssrc: SSRCS[layer]!, payloadType: 96, sequenceNumber, timestamp: sequenceNumber * 3000 }), payload);
}

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/**
 * A simulcast track fed by hand, one receiver's DownTrack on it (not connected: nothing is
 * sent), and the keyframe requests (PLI) the SFU sends the publisher, by SSRC.
 */
function setUp() {
  const layers = RIDS.map((rid) => new MediaStreamTrack({ kind: "video", rid }));
  const plis: number[] = [];
  const receiver = { tracks: layers, sendRtcpPLI: async (ssrc: number) => void plis.push(ssrc) } as unknown as RTCRtpReceiver;
  const track = new ForwardedTrack("t1", "video", "camera", "1", false, 100, () => {}, RIDS);
  track.attach(receiver);
  const pc = new RTCPeerConnection();
  const down = new DownTrack(track, "p1", pc.addTransceiver("video", { direction: "sendonly" }));
  closers.push(() => down.close(), () => track.close(), () => pc.close());
  let seq = 0;
  const send = (layer: number, keyframe = false) => layers[layer]!.onReceiveRtp.execute(vp8Packet(layer, seq++, keyframe));
  return { down, plis, send };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("DownTrack keyframe requests", () => {
  it("asks again for the keyframe of the layer it waits for while that layer flows without one, and stops once switched", async () => {
    const { down, plis, send } = setUp();
    for (let layer = 0; layer < 3; layer++) send(layer); // the layers' SSRCs become known
    down.setTargetLayer(0);
    send(0, true);
    expect(down.currentLayer).toBe(0);

    await sleep(150); // past the publisher's keyframe throttle (100 ms here) of the requests so far
    plis.length = 0;
    down.setTargetLayer(2);
    expect(plis).toEqual([SSRCS[2]]);
    // The publisher's 720p layer flows, but that request was lost: no keyframe comes.
    const started = performance.now();
    while (plis.length < 2 && performance.now() - started < 5 * KEYFRAME_RETRY_MS) {
      send(0);
      send(2);
      await sleep(30);
    }
    expect(plis).toEqual([SSRCS[2], SSRCS[2]]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(KEYFRAME_RETRY_MS - 50);
    expect(down.currentLayer).toBe(0); // still on 180p until the keyframe

    send(2, true);
    expect(down.currentLayer).toBe(2);
    // Switched: no more requests, however long the layer flows.
    const switched = performance.now();
    while (performance.now() - switched < KEYFRAME_RETRY_MS * 1.5) {
      send(2);
      await sleep(30);
    }
    expect(plis).toEqual([SSRCS[2], SSRCS[2]]);
  });

  it("does not ask for a layer that is not flowing (a paused layer starts with a keyframe when resumed)", async () => {
    const { down, plis, send } = setUp();
    for (let layer = 0; layer < 3; layer++) send(layer);
    down.setTargetLayer(0);
    send(0, true);
    down.setTargetLayer(1);
    plis.length = 0;
    const started = performance.now();
    while (performance.now() - started < KEYFRAME_RETRY_MS * 1.5) {
      send(0); // only 180p flows
      await sleep(30);
    }
    expect(plis).toEqual([]);
    expect(down.currentLayer).toBe(0);
  });
});
