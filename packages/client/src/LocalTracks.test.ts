import type { TrackSource } from "@confab/protocol";
import { describe, expect, it } from "vitest";
import { LocalTracks } from "./LocalTracks.js";

/** Just the part of a MediaStreamTrack that LocalTracks touches. */
function fakeTrack(): MediaStreamTrack {
  return { enabled: true, kind: "audio", stop() {} } as unknown as MediaStreamTrack;
}

/** LocalTracks over a channel that records what it sends; `answered` and `reaches` steer it. */
function localTracks() {
  const sent: { source: TrackSource; muted: boolean }[] = [];
  const channel = { answered: false, reaches: true };
  const local = new LocalTracks({
    sendMute: (source, muted) => {
      if (channel.reaches) sent.push({ source, muted });
      return channel.reaches;
    },
    answered: () => channel.answered,
  });
  return { local, sent, channel };
}

describe("LocalTracks", () => {
  it("starts the sources asked to start muted as muted, with their tracks disabled", () => {
    const { local } = localTracks();
    const microphone = fakeTrack();
    const camera = fakeTrack();
    local.start({ microphone, camera, muted: { camera: true } });
    expect(local.muteOf("camera")).toBe(true);
    expect(camera.enabled).toBe(false);
    expect(local.muteOf("microphone")).toBe(false);
    expect(microphone.enabled).toBe(true);
    expect(local.publishable().map((t) => t.source)).toEqual(["microphone", "camera"]);
  });

  it("tells the server about a mute change only once the offer announcing the source was answered", () => {
    const { local, sent, channel } = localTracks();
    local.start({ microphone: fakeTrack() });
    local.announce([{ source: "microphone", kind: "audio", mid: "0", muted: false }]);
    local.setMuted("microphone", true);
    expect(sent).toEqual([]);
    channel.answered = true;
    local.syncAll();
    expect(sent).toEqual([{ source: "microphone", muted: true }]);
    local.syncAll();
    expect(sent).toHaveLength(1);
  });

  it("does not count a mute message that never reached the socket, and a resume sends it again", () => {
    const { local, sent, channel } = localTracks();
    local.start({ microphone: fakeTrack() });
    local.announce([{ source: "microphone", kind: "audio", mid: "0", muted: false }]);
    channel.answered = true;
    channel.reaches = false;
    local.setMuted("microphone", true);
    expect(sent).toEqual([]);
    channel.reaches = true;
    local.resync();
    expect(sent).toEqual([{ source: "microphone", muted: true }]);
  });

  it("applies a moderator's mute locally without sending it back", () => {
    const { local, sent, channel } = localTracks();
    const microphone = fakeTrack();
    local.start({ microphone });
    local.announce([{ source: "microphone", kind: "audio", mid: "0", muted: false }]);
    channel.answered = true;
    local.mutedByModerator("microphone");
    expect(microphone.enabled).toBe(false);
    expect(local.muteOf("microphone")).toBe(true);
    local.resync();
    expect(sent).toEqual([]);
  });

  it("keeps a released source and its mute state, with no track to publish until a device is restored", () => {
    const { local } = localTracks();
    const camera = fakeTrack();
    local.start({ camera });
    local.setMuted("camera", true);
    expect(local.release("camera")).toBe(camera);
    expect(local.has("camera")).toBe(true);
    expect(local.track("camera")).toBeUndefined();
    expect(local.publishable()).toEqual([]);
    const fresh = fakeTrack();
    fresh.enabled = false;
    local.restore("camera", fresh);
    expect(fresh.enabled).toBe(true);
    expect(local.track("camera")).toBe(fresh);
  });

  it("gives a new source the mute state it had, and forgets a removed source entirely", () => {
    const { local } = localTracks();
    const screen = fakeTrack();
    local.put("screen", screen);
    expect(screen.enabled).toBe(true);
    expect(local.setMuted("screen", true)).toBe(true);
    expect(local.remove("screen")).toBe(true);
    expect(local.remove("screen")).toBe(false);
    expect(local.has("screen")).toBe(false);
    expect(local.muteOf("screen")).toBe(false);
    expect(local.setMuted("screen", true)).toBe(false);
  });

  it("announces nothing to sync after the publishing connection is gone", () => {
    const { local, sent, channel } = localTracks();
    local.start({ microphone: fakeTrack() });
    local.announce([{ source: "microphone", kind: "audio", mid: "0", muted: false }]);
    local.forgetAnnounced();
    channel.answered = true;
    local.setMuted("microphone", true);
    local.resync();
    expect(sent).toEqual([]);
  });
});
