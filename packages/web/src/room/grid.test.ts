import { describe, expect, it } from "vitest";
import { gridColumns, pageSizeFor } from "./grid.js";

describe("gridColumns", () => {
  it("shows one tile full size", () => {
    expect(gridColumns(1, 1280, 640)).toBe(1);
  });

  it("puts two people side by side on a laptop and stacked on a phone", () => {
    expect(gridColumns(2, 1280, 640)).toBe(2);
    expect(gridColumns(2, 390, 700)).toBe(1);
  });

  it("makes a 2×2 grid for four on a laptop and 3×3 for nine", () => {
    expect(gridColumns(4, 1280, 640)).toBe(2);
    expect(gridColumns(9, 1280, 640)).toBe(3);
  });

  it("never uses more than two columns on a phone for small rooms", () => {
    for (let n = 1; n <= 6; n++) expect(gridColumns(n, 390, 700)).toBeLessThanOrEqual(2);
  });
});

describe("pageSizeFor", () => {
  it("fits a few dozen small tiles on a large screen and few on a phone", () => {
    expect(pageSizeFor(1880, 940)).toBe(25);
    expect(pageSizeFor(1240, 600)).toBe(20);
    expect(pageSizeFor(374, 640)).toBeLessThanOrEqual(6);
    expect(pageSizeFor(10, 10)).toBe(1);
  });
});
