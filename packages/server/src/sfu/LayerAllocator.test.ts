import { describe, expect, it } from "vitest";
import { allocateLayers, preferredLayer, type AllocatedVideo } from "./LayerAllocator.js";

const layers = (live = true) => [
  { height: 180, bitrate: 150_000, live },
  { height: 360, bitrate: 500_000, live },
  { height: 720, bitrate: 1_500_000, live },
];
const video = (viewHeight: number | undefined): AllocatedVideo => ({ viewHeight, layers: layers() });

describe("layer choice", () => {
  it("gives a small tile the low layer, a middle tile the middle one, a large tile the top", () => {
    expect(preferredLayer(video(120))).toBe(0);
    expect(preferredLayer(video(300))).toBe(1);
    expect(preferredLayer(video(700))).toBe(2);
    expect(preferredLayer(video(undefined))).toBe(2);
  });

  it("raises the largest tiles first while the budget lasts", () => {
    expect(allocateLayers([video(700), video(700)], 10_000_000)).toEqual([2, 2]);
    expect(allocateLayers([video(200), video(700)], 2_200_000)).toEqual([0, 2]);
    expect(allocateLayers([video(700), video(700)], 1_400_000)).toEqual([1, 1]);
  });

  it("needs headroom to raise a video above the layer it has, but not to keep it", () => {
    const budget = 540_000; // the middle layer (500k) fits, but not with 25 % headroom on the step
    expect(allocateLayers([{ ...video(700), current: 0 }], budget)).toEqual([0]);
    expect(allocateLayers([{ ...video(700), current: 1 }], budget)).toEqual([1]);
  });

  it("keeps every video on its lowest layer when even that does not fit", () => {
    expect(allocateLayers([video(700), video(700), video(700)], 100_000)).toEqual([0, 0, 0]);
  });

  it("budgets a layer that is not flowing at its nominal rate", () => {
    const paused = { viewHeight: 700, layers: [layers()[0]!, { height: 360, bitrate: 0, live: false }, { height: 720, bitrate: 0, live: false }] };
    expect(allocateLayers([paused], 700_000)).toEqual([1]);
  });
});
