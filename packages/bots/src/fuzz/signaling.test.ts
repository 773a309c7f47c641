import { describe, expect, it } from "vitest";
import { fuzzSignalingAgainstServer } from "./signaling.js";

/*
 * A short run of the signaling fuzzer (`npm run fuzz -- --signaling` runs it for minutes):
 * mutated sessions against a real server process, which must answer with valid messages,
 * never INTERNAL, stay up, and give back its descriptors and UDP sockets.
 */
describe("signaling fuzzing against a real server (short run)", () => {
  it("answers 40 mutated sessions with typed errors only, stays up and gives back descriptors and sockets", async () => {
    // No resume grace period: a dropped session leaves at once, so the server is empty sooner.
    const result = await fuzzSignalingAgainstServer({ sessions: 40, seed: 13, env: { RESUME_GRACE_MS: "0" } });
    expect(result.problems).toEqual([]);
    expect(result.sessions).toBeGreaterThanOrEqual(40);
    expect(result.frames).toBeGreaterThan(200);
    expect(result.after.fds).toBeLessThanOrEqual(result.before.fds + 4);
  }, 240_000);
});
