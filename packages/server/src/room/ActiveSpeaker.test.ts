import { describe, expect, it } from "vitest";
import { ActiveSpeakerDetector } from "./ActiveSpeaker.js";

/** Feeds `ticks` ticks of 5 packets per participant at the given levels (dBov; 127 = silence). */
function run(d: ActiveSpeakerDetector, ticks: number, levels: Record<string, number>): void {
  for (let t = 0; t < ticks; t++) {
    for (const [id, level] of Object.entries(levels)) for (let i = 0; i < 5; i++) d.level(id, level);
    d.tick();
  }
}

describe("ActiveSpeakerDetector", () => {
  it("names the first person who speaks within 3 ticks (300 ms)", () => {
    const changes: (string | null)[] = [];
    const d = new ActiveSpeakerDetector((s) => changes.push(s));
    run(d, 5, { a: 127, b: 127 });
    expect(d.speaker).toBeNull();
    run(d, 3, { a: 30, b: 127 });
    expect(d.speaker).toBe("a");
    expect(changes).toEqual(["a"]);
  });

  it("does not switch on a short cough from someone else", () => {
    const d = new ActiveSpeakerDetector(() => undefined);
    run(d, 10, { a: 30, b: 127 });
    run(d, 1, { a: 30, b: 20 });
    run(d, 5, { a: 30, b: 127 });
    expect(d.speaker).toBe("a");
  });

  it("hands the floor to someone clearly louder who keeps talking", () => {
    const d = new ActiveSpeakerDetector(() => undefined);
    run(d, 20, { a: 50, b: 127 });
    run(d, 4, { a: 50, b: 15 });
    expect(d.speaker).toBe("b");
  });

  it("hands the floor within 300 ms when the speaker stops and another starts", () => {
    const d = new ActiveSpeakerDetector(() => undefined);
    run(d, 20, { a: 30, b: 127 });
    run(d, 3, { a: 127, b: 30 });
    expect(d.speaker).toBe("b");
  });

  it("keeps a new speaker for 1.5 s while two people take turns in short bursts, instead of flipping at each", () => {
    const changes: (string | null)[] = [];
    const d = new ActiveSpeakerDetector((s) => changes.push(s));
    // a and b alternate 300 ms each for 6 s (fake microphones' beeps, a quick back-and-forth).
    for (let i = 0; i < 10; i++) {
      run(d, 3, { a: 30, b: 127 });
      run(d, 3, { a: 127, b: 30 });
    }
    expect(changes.length).toBeGreaterThanOrEqual(2); // the floor does change hands …
    expect(changes.length).toBeLessThanOrEqual(4); // … at most once per 1.5 s, not 20 times
  });

  it("clears the speaker after a long silence, and when the speaker leaves", () => {
    const d = new ActiveSpeakerDetector(() => undefined);
    run(d, 5, { a: 30 });
    run(d, 30, { a: 127 });
    expect(d.speaker).toBeNull();
    run(d, 5, { a: 30 });
    d.remove("a");
    expect(d.speaker).toBeNull();
  });
});
