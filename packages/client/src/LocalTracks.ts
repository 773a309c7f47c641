import type { PublishedTrack, TrackSource } from "@confab/protocol";
import type { LocalTrack } from "./PublishConnection.js";

/** The local media to publish when joining; either may be missing (no device, denied). */
export interface LocalMedia {
  microphone?: MediaStreamTrack | undefined;
  camera?: MediaStreamTrack | undefined;
  /** Sources to start muted. */
  muted?: Partial<Record<TrackSource, boolean>>;
}

/** How the local sources reach the server. */
export interface MuteChannel {
  /** Sends a `mute` message; true when it reached the socket. */
  sendMute(source: TrackSource, muted: boolean): boolean;
  /** Whether the server has answered the publishing connection's offer. */
  answered(): boolean;
}

/**
 * The local sources (microphone, camera, screen…) and their mute state, and the mute state the
 * server last heard of for each, so that a change made while an offer was in flight or the
 * signaling was down still reaches the server. Owns no connection: it tells through
 * {@link MuteChannel}.
 */
export class LocalTracks {
  /** Local sources; `null` while a muted source's device is released. */
  private readonly tracks = new Map<TrackSource, MediaStreamTrack | null>();
  private readonly muted = new Map<TrackSource, boolean>();
  /** The mute state the server last heard of, per published source. */
  private readonly announced = new Map<TrackSource, boolean>();

  constructor(private readonly channel: MuteChannel) {}

  /** Takes the media given at join, muting (disabling) the sources asked to start muted. */
  start(local: LocalMedia): void {
    if (local.microphone) this.tracks.set("microphone", local.microphone);
    if (local.camera) this.tracks.set("camera", local.camera);
    for (const [source, track] of this.tracks) {
      const muted = local.muted?.[source] === true;
      this.muted.set(source, muted);
      if (track) track.enabled = !muted;
    }
  }

  /** Whether `source` is a local source (its device may be released). */
  has(source: TrackSource): boolean {
    return this.tracks.has(source);
  }

  /** The track sent as `source`, if any (none while its device is released). */
  track(source: TrackSource): MediaStreamTrack | undefined {
    return this.tracks.get(source) ?? undefined;
  }

  /** Whether `source` is muted (false for a source never muted, present or not). */
  muteOf(source: TrackSource): boolean {
    return this.muted.get(source) === true;
  }

  /** The sources with a device, to publish. */
  publishable(): LocalTrack[] {
    return [...this.tracks].flatMap(([source, track]) => (track ? [{ source, track }] : []));
  }

  /** Mutes or unmutes `source` locally and tells the server; false when there is no such source. */
  setMuted(source: TrackSource, muted: boolean): boolean {
    if (!this.tracks.has(source)) return false;
    const local = this.tracks.get(source);
    if (local) local.enabled = !muted;
    this.muted.set(source, muted);
    this.sync(source);
    return true;
  }

  /** Sends `track` as `source` from now on, muted or not as the source was. */
  put(source: TrackSource, track: MediaStreamTrack): void {
    this.tracks.set(source, track);
    track.enabled = !this.muteOf(source);
  }

  /** Puts a fresh device back on a released source, enabled (the caller unmutes it). */
  restore(source: TrackSource, track: MediaStreamTrack): void {
    this.tracks.set(source, track);
    track.enabled = true;
  }

  /** Forgets `source`; false when there was no such source. */
  remove(source: TrackSource): boolean {
    if (!this.tracks.delete(source)) return false;
    this.muted.delete(source);
    this.announced.delete(source);
    return true;
  }

  /** Keeps `source` without a device (see `ConfabRoom.releaseDevice`); returns the device to stop. */
  release(source: TrackSource): MediaStreamTrack | undefined {
    const track = this.tracks.get(source);
    if (track) this.tracks.set(source, null);
    return track ?? undefined;
  }

  /** An offer declares these tracks: that is what the server will know of their mute state. */
  announce(tracks: readonly PublishedTrack[]): void {
    this.announced.clear();
    for (const t of tracks) this.announced.set(t.source, t.muted);
  }

  /** The server answered the offer: tell it about mute changes made while it was in flight. */
  syncAll(): void {
    for (const source of this.announced.keys()) this.sync(source);
  }

  /** Resumed on a new connection: a mute change made while disconnected may not have reached the server. */
  resync(): void {
    for (const [source, announced] of this.announced) {
      const muted = this.muteOf(source);
      if (announced !== muted && this.channel.sendMute(source, muted)) this.announced.set(source, muted);
    }
  }

  /** A moderator muted `source`: the server already knows and stopped forwarding it. */
  mutedByModerator(source: TrackSource): void {
    if (!this.tracks.has(source)) return;
    const local = this.tracks.get(source);
    if (local) local.enabled = false;
    this.muted.set(source, true);
    this.announced.set(source, true);
  }

  /** The publishing connection is gone: the next one announces everything afresh. */
  forgetAnnounced(): void {
    this.announced.clear();
  }

  private sync(source: TrackSource): void {
    const announced = this.announced.get(source);
    const muted = this.muteOf(source);
    // Before the answer, the offer's track list carries the state; after it, a `mute` message.
    if (announced === undefined || announced === muted || !this.channel.answered()) return;
    // Only what reached the socket counts as announced; a resume re-sends the rest.
    if (this.channel.sendMute(source, muted)) this.announced.set(source, muted);
  }
}
