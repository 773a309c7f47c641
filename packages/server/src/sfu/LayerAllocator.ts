/** What the allocator needs to know of one video sent to a receiver. */
export interface AllocatedVideo {
  /** Height the receiver shows it at (device pixels); undefined: not told yet (wants the best). */
  viewHeight: number | undefined;
  /** Per layer, low to high: frame height (0 unknown), bitrate (bit/s, 0 unknown), live. */
  layers: readonly { height: number; bitrate: number; live: boolean }[];
  /** The layer the receiver gets now (-1 or undefined: none). */
  current?: number;
}

/**
 * Going above the layer a receiver has needs this much headroom in the estimate (keeping it
 * does not): an estimate hovering near a layer's cost must not switch it up and down.
 */
const UPGRADE_HEADROOM = 1.25;

/** Bitrates assumed for layers not measured yet (3-layer VP8 180p/360p/720p, or one layer). */
const NOMINAL_3 = [150_000, 500_000, 1_500_000];
const NOMINAL_SINGLE = 1_000_000;
const NOMINAL_HEIGHT_3 = [180, 360, 720];

/** The bitrate a layer is budgeted at: measured when it is flowing, else nominal. */
export function layerCost(video: AllocatedVideo, layer: number): number {
  const l = video.layers[layer];
  const nominal = video.layers.length === 1 ? NOMINAL_SINGLE : (NOMINAL_3[layer] ?? NOMINAL_SINGLE);
  return l && l.live && l.bitrate > 0 ? l.bitrate : nominal;
}

/**
 * The lowest layer at least about as tall as the tile (a slightly soft picture costs less
 * than three times the bits), or the top layer.
 */
export function preferredLayer(video: AllocatedVideo): number {
  const top = video.layers.length - 1;
  if (video.viewHeight === undefined || top === 0) return top;
  for (let i = 0; i < top; i++) {
    const h = video.layers[i]!.height || NOMINAL_HEIGHT_3[i] || 0;
    if (h >= video.viewHeight * 0.8) return i;
  }
  return top;
}

/**
 * Picks a layer for each video so that their sum fits `budget` bit/s: every video gets its
 * lowest layer, then the largest tiles are raised first, one layer at a time, never above what
 * their size needs. A layer the publisher paused can be chosen: asking for it resumes it.
 */
export function allocateLayers(videos: readonly AllocatedVideo[], budget: number): number[] {
  const chosen = videos.map(() => 0);
  let spent = videos.reduce((sum, v) => sum + layerCost(v, 0), 0);
  const order = videos
    .map((v, i) => ({ i, height: v.viewHeight ?? Infinity }))
    .sort((a, b) => b.height - a.height);
  let raised = true;
  while (raised) {
    raised = false;
    for (const { i } of order) {
      const video = videos[i]!;
      const want = preferredLayer(video);
      const next = chosen[i]! + 1;
      if (next > want) continue;
      const extra = layerCost(video, next) - layerCost(video, chosen[i]!);
      const headroom = next > (video.current ?? -1) ? extra * (UPGRADE_HEADROOM - 1) : 0;
      if (spent + extra + headroom > budget) continue;
      spent += extra;
      chosen[i] = next;
      raised = true;
    }
  }
  return chosen;
}

/** What the videos would use at the layers their tiles want (with the headroom an upgrade needs). */
export function wantedBitrate(videos: readonly AllocatedVideo[]): number {
  let sum = 0;
  for (const video of videos) {
    const want = preferredLayer(video);
    sum += layerCost(video, want) * (want > (video.current ?? -1) ? UPGRADE_HEADROOM : 1);
  }
  return sum;
}
