import { describe, expect, it } from "vitest";
import { ClientError } from "@confab/client";
import { translator } from "../i18n/i18n.js";
import { joinErrorText } from "./errors.js";

describe("join errors", () => {
  const t = translator("en");

  it("explains access refusals in a sentence of their own", () => {
    expect(joinErrorText(t, new ClientError("PASSWORD_WRONG", "wrong password"))).toBe("Wrong password. Check it and try again.");
    expect(joinErrorText(t, new ClientError("LOBBY_DENIED", "x"))).toBe("A moderator did not let you in.");
    expect(joinErrorText(t, new ClientError("AUTH_REQUIRED", "x"))).toMatch(/only people with an invitation link/);
  });

  it("keeps the old wording for other failures", () => {
    expect(joinErrorText(t, new ClientError("ROOM_FULL", "x"))).toBe("Could not join: this meeting is full");
    expect(joinErrorText(t, new ClientError("INTERNAL", "x"))).toBe("Could not join: an unexpected error (INTERNAL)");
  });

  it("has a Russian sentence for every access refusal", () => {
    const ru = translator("ru");
    for (const code of ["AUTH_REQUIRED", "TOKEN_EXPIRED", "ROOM_LOCKED", "REMOVED", "LOBBY_TIMEOUT", "RATE_LIMITED"] as const) {
      expect(joinErrorText(ru, new ClientError(code, "x"))).toMatch(/[а-я]/);
    }
  });
});
