import { describe, expect, it } from "vitest";
import type { ChatEntry } from "@confab/protocol";
import { recentHistory } from "./chatHistory.js";

const entry = (i: number, text: string): ChatEntry => ({ id: `m${i}`, participantId: "p1", name: "Ann", text, sentAt: i });

describe("recentHistory", () => {
  it("keeps the newest messages, oldest first, within the byte budget", () => {
    const history = Array.from({ length: 200 }, (_, i) => entry(i, "\u0001".repeat(2000)));
    const kept = recentHistory(history);
    expect(Buffer.byteLength(JSON.stringify(kept))).toBeLessThanOrEqual(64 * 1024 + kept.length + 2);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.at(-1)?.id).toBe("m199");
    expect(kept.map((m) => m.sentAt)).toEqual([...kept.map((m) => m.sentAt)].sort((a, b) => a - b));
  });

  it("keeps a short history whole", () => {
    const history = [entry(1, "hi"), entry(2, "there")];
    expect(recentHistory(history)).toEqual(history);
  });
});
