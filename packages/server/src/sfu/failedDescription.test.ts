import { describe, expect, it } from "vitest";
import { RTCPeerConnection } from "werift";
import { GOOD_OFFER } from "../fuzz/failingOffers.js";
import { forWerift } from "./sdp.js";
import { restoreAfterFailure, snapshotPeer, weriftHasRollbackInternals } from "./failedDescription.js";

/** The good offer with new mids and, after its two sections, one werift throws on. */
function offerWeriftFailsPartWay(i: number): string {
  const offer = GOOD_OFFER.replace("a=mid:0\r\n", `a=mid:a${i}\r\n`).replace("a=mid:1\r\n", `a=mid:v${i}\r\n`).replace("a=group:BUNDLE 0 1", `a=group:BUNDLE a${i} v${i}`);
  return forWerift(offer) + `m=text 9 RTP/AVP 98\r\nc=IN IP4 0.0.0.0\r\na=mid:t${i}\r\n`;
}

/** Applies 20 such offers straight to werift; returns its transceivers and transports after. */
async function failTwentyTimes(pc: RTCPeerConnection, restore: boolean): Promise<{ transceivers: number; transports: number }> {
  for (let i = 0; i < 20; i++) {
    const before = snapshotPeer(pc);
    await expect(pc.setRemoteDescription({ type: "offer", sdp: offerWeriftFailsPartWay(i) })).rejects.toThrow(/invalid media kind/);
    if (restore) restoreAfterFailure(pc, before);
  }
  return { transceivers: pc.getTransceivers().length, transports: pc.dtlsTransports.length };
}

describe("undoing a description werift failed on part-way", () => {
  it("this werift has the private members the undoing needs (fails on a werift upgrade that moved them)", async () => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    expect(weriftHasRollbackInternals(pc)).toBe(true);
    await pc.close();
  });

  it("without it werift keeps two transceivers per failed offer; with it none, and the next offer is answered with its own sections only", async () => {
    const control = new RTCPeerConnection({ iceServers: [] });
    expect(await failTwentyTimes(control, false)).toMatchObject({ transceivers: 40 });
    await control.close();

    const pc = new RTCPeerConnection({ iceServers: [] });
    expect(await failTwentyTimes(pc, true)).toEqual({ transceivers: 0, transports: 0 });
    expect(pc.signalingState).toBe("stable");
    await pc.setRemoteDescription({ type: "offer", sdp: forWerift(GOOD_OFFER) });
    await pc.setLocalDescription(await pc.createAnswer());
    expect(pc.getTransceivers().map((t) => t.mid)).toEqual(["0", "1"]);
    expect(pc.localDescription?.sdp.match(/^m=/gm)).toHaveLength(2);
    await pc.close();
  });

  it("a failed re-offer leaves the negotiated sections as they were", async () => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    await pc.setRemoteDescription({ type: "offer", sdp: forWerift(GOOD_OFFER) });
    await pc.setLocalDescription(await pc.createAnswer());
    const transport = pc.getTransceivers()[0]!.dtlsTransport;
    expect(await failTwentyTimes(pc, true)).toEqual({ transceivers: 2, transports: 1 });
    expect(pc.getTransceivers().map((t) => [t.mid, t.dtlsTransport === transport])).toEqual([["0", true], ["1", true]]);
    expect(pc.signalingState).toBe("stable");
    await pc.close();
  });
});
