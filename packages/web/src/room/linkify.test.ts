import { describe, expect, it } from "vitest";
import { segments } from "./linkify.js";

describe("chat links", () => {
  it("turns http and https URLs into links and leaves the rest as text", () => {
    expect(segments("see https://example.org/a?b=1, then http://x.test.")).toEqual([
      { text: "see " },
      { text: "https://example.org/a?b=1", href: "https://example.org/a?b=1" },
      { text: ", then " },
      { text: "http://x.test", href: "http://x.test/" },
      { text: "." },
    ]);
  });

  it("never links javascript:, data: or markup", () => {
    for (const text of ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", '<a href="https://x">x</a>', "<img src=x onerror=alert(1)>"]) {
      const out = segments(text);
      expect(out.filter((s) => s.href && !s.href.startsWith("https://x"))).toEqual([]);
      expect(out.map((s) => s.text).join("")).toBe(text);
    }
  });

  it("keeps text without links whole", () => {
    expect(segments("hello")).toEqual([{ text: "hello" }]);
    expect(segments("")).toEqual([]);
  });
});
