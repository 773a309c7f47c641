import { describe, expect, it } from "vitest";
import { splitToken, tokenDisplayName, tokenLink } from "./joinLink.js";

/** A JWT-shaped string with `claims` as its payload (unsigned: only the payload is read). */
function fakeToken(claims: object): string {
  const b64 = (s: string) => Buffer.from(s).toString("base64url");
  return `${b64('{"alg":"HS256"}')}.${b64(JSON.stringify(claims))}.sig`;
}

describe("invitation links", () => {
  it("takes the token out of the address and keeps the rest", () => {
    expect(splitToken("https://x.example/standup?token=abc.def.ghi&lang=ru#top")).toEqual({ token: "abc.def.ghi", url: "/standup?lang=ru#top" });
    expect(splitToken("https://x.example/standup?token=t")).toEqual({ token: "t", url: "/standup" });
  });

  it("leaves an address without a token as it is", () => {
    expect(splitToken("https://x.example/standup")).toEqual({ token: undefined, url: "/standup" });
    expect(splitToken("https://x.example/standup?token=")).toEqual({ token: undefined, url: "/standup" });
  });

  it("reads the display name a token carries, including non-Latin names", () => {
    expect(tokenDisplayName(fakeToken({ name: "Анна Ли", room: "r" }))).toBe("Анна Ли");
    expect(tokenDisplayName(fakeToken({ room: "r" }))).toBeUndefined();
  });

  it("reads nothing from garbage", () => {
    expect(tokenDisplayName(undefined)).toBeUndefined();
    expect(tokenDisplayName("not-a-token")).toBeUndefined();
    expect(tokenDisplayName("a.%%%.c")).toBeUndefined();
  });

  it("builds a link that round-trips through splitToken", () => {
    const link = tokenLink("https://x.example", "standup", "a.b-_.c");
    expect(splitToken(link).token).toBe("a.b-_.c");
  });
});
