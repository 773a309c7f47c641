import { describe, expect, it } from "vitest";
import { en } from "../i18n/en.js";
import { classify, problemMessage } from "./devices.js";

const named = (name: string) => Object.assign(new Error("x"), { name });

describe("device problems", () => {
  it("tells denied, missing and busy devices apart", () => {
    expect(classify(named("NotAllowedError"))).toBe("denied");
    expect(classify(named("NotFoundError"))).toBe("missing");
    expect(classify(named("NotReadableError"))).toBe("busy");
    expect(classify(named("TypeError"))).toBe("failed");
    expect(classify("weird")).toBe("failed");
  });

  it("has a message for every problem of every device", () => {
    for (const kind of ["audio", "video"] as const) {
      for (const problem of ["denied", "missing", "busy", "failed", "insecure"] as const) {
        expect(en[problemMessage(kind, problem)]).toBeTruthy();
      }
    }
  });
});
