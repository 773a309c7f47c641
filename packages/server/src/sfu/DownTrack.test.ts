import { afterEach, describe, expect, it } from "vitest";
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket, type RTCRtpReceiver } from "werift";
import { DownTrack, KEYFRAME_RETRY_MS } from "./DownTrack.js";
import { ForwardedTrack } from "./ForwardedTrack.js";
import type { RtpWriter } from "./RtpWriter.js";
import { SharedHistory } from "./SharedHistory.js";
import type { KeptPayload, TrackLayer } from "./TrackLayer.js";

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

/** A VP8 packet with a 15-bit PictureID (bytes 2–3) and TL0PICIDX (byte 4), RFC 7741 §4.2. */
function vp8PacketWithIds(layer: number, sequenceNumber: number, pictureId: number, tl0: number, keyframe: boolean): RtpPacket {
  const payload = Buffer.from([0x90, 0xc0, 0x80 | (pictureId >> 8), pictureId & 0xff, tl0, keyframe ? 0x00 : 0x01, 1, 2, 3, 4, 5, 6]);
  return new RtpPacket(new RtpHeader({ ssrc: SSRCS[layer]!, payloadType: 96, sequenceNumber, timestamp: sequenceNumber * 3000 }), payload);
}

describe("DownTrack retransmission history", () => {
  it("hands its writer the layer's kept payload and the PictureID and TL0PICIDX bytes it rewrote, so a resend is what this receiver got", () => {
    const layers = RIDS.map((rid) => new MediaStreamTrack({ kind: "video", rid }));
    const receiver = { tracks: layers, sendRtcpPLI: async () => undefined } as unknown as RTCRtpReceiver;
    const track = new ForwardedTrack("t1", "video", "camera", "1", false, 100, () => {}, RIDS);
    track.attach(receiver);
    const pc = new RTCPeerConnection();
    const down = new DownTrack(track, "p1", pc.addTransceiver("video", { direction: "sendonly" }));
    closers.push(() => down.close(), () => track.close(), () => pc.close());
    // The writer is not connected here: record what it is given, into a history as RtpWriter keeps it.
    const history = new SharedHistory(64);
    const sent: { payload: Buffer; kept: KeptPayload; patches: number[] }[] = [];
    (down as unknown as { writer: { write: RtpWriter["write"] } }).writer.write = (packet, _keyframe, _now, kept, p0 = -1, p1 = -1, p2 = -1) => {
      history.remember(sent.length, kept, packet.payload, p0, p1, p2);
      sent.push({ payload: Buffer.from(packet.payload), kept: { ...kept! }, patches: [p0, p1, p2] });
    };
    let seq = 0;
    const send = (layer: number, pictureId: number, tl0: number, keyframe = false) =>
      layers[layer]!.onReceiveRtp.execute(vp8PacketWithIds(layer, seq++, pictureId, tl0, keyframe));
    for (let layer = 0; layer < 3; layer++) send(layer, 1, 1);
    down.setTargetLayer(0);
    send(0, 100, 5, true);
    send(0, 101, 5);
    down.setTargetLayer(2);
    send(2, 7000, 200, true); // the switch: PictureID and TL0PICIDX continue layer 0's
    send(2, 7001, 200);
    const last = sent.at(-1)!;
    expect(last.patches).toEqual([2, 3, 4]);
    // This receiver got PictureID 103 and TL0PICIDX 6; the layer keeps the publisher's 7001 and 200.
    expect([(last.payload[2]! & 0x7f) << 8 | last.payload[3]!, last.payload[4]]).toEqual([103, 6]);
    const original = last.kept.ring!.copyAt(last.kept.position, last.kept.length)!;
    expect([(original[2]! & 0x7f) << 8 | original[3]!, original[4]]).toEqual([7001, 200]);
    // What a retransmission would carry: every packet exactly as this receiver got it.
    for (let i = 0; i < sent.length; i++) expect(history.copy(i), `packet ${i}`).toEqual(sent[i]!.payload);
    // The layer nobody received (360p) copied nothing; the forwarded ones did.
    const rings = (track as unknown as { layers: TrackLayer[] }).layers.map((l) => l.payloads);
    expect(rings[1]!.copyAt(0, 12)).toBeUndefined();
    expect(rings[0]!.copyAt(0, 12)).toBeDefined();
  });
});
