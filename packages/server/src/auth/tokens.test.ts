import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorCode, MAX_TOKEN_LENGTH } from "@confab/protocol";
import { UserError } from "../errors.js";
import type { ApiCredentials } from "./credentials.js";
import { CLOCK_SKEW_SECONDS, parseTtl, signJoinToken, verifyJoinToken } from "./tokens.js";

const creds: ApiCredentials = { apiKey: "APITESTKEY0001", apiSecret: "s".repeat(20) + "0123456789abcdef" };
const other: ApiCredentials = { apiKey: "APIOTHERSERVER", apiSecret: "o".repeat(20) + "fedcba9876543210" };
const now = () => Math.floor(Date.now() / 1000);

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString("base64url");
const part = (token: string, i: number): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split(".")[i]!, "base64url").toString()) as Record<string, unknown>;

/** A compact JWS signed by hand with HMAC-SHA256 under any header, as an attacker could. */
function handSigned(header: object, payload: object, secret: string): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

function claimsFor(room = "standup"): Record<string, unknown> {
  const t = now();
  return { iss: creds.apiKey, sub: "ann", name: "Ann", room, role: "participant", iat: t, nbf: t, exp: t + 3600 };
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as UserError).code;
  }
  throw new Error("expected a UserError, got success");
}

const ann = { room: "standup", identity: "ann", name: "Ann", role: "moderator" as const };

describe("join tokens", () => {
  it("a valid token admits its identity with its role, name and the role's grants", async () => {
    const token = await signJoinToken(creds, ann, { ttlSeconds: 7200 });
    const v = await verifyJoinToken(creds, token, "standup");
    expect(v).toMatchObject({ identity: "ann", name: "Ann", role: "moderator" });
    expect(v.grants).toEqual({ camera: true, microphone: true, screen: true, chat: true });
    expect(v.expiresAt).toBeGreaterThanOrEqual(now() + 7199);
    expect(part(token, 0)).toEqual({ alg: "HS256", typ: "JWT" });
    expect(part(token, 1)).toMatchObject({ iss: creds.apiKey, sub: "ann", room: "standup", role: "moderator" });
  });

  it("a viewer may only chat unless its token grants more, and explicit grants win over the role", async () => {
    const viewer = await signJoinToken(creds, { ...ann, role: "viewer" }, { ttlSeconds: 60 });
    expect((await verifyJoinToken(creds, viewer, "standup")).grants).toEqual({ camera: false, microphone: false, screen: false, chat: true });
    const narrowed = await signJoinToken(creds, { ...ann, role: "participant", grants: { screen: false, chat: false } }, { ttlSeconds: 60 });
    expect((await verifyJoinToken(creds, narrowed, "standup")).grants).toEqual({ camera: true, microphone: true, screen: false, chat: false });
    const widened = await signJoinToken(creds, { ...ann, role: "viewer", grants: { microphone: true } }, { ttlSeconds: 60 });
    expect((await verifyJoinToken(creds, widened, "standup")).grants.microphone).toBe(true);
  });

  it("an expired token is refused with TOKEN_EXPIRED once the clock skew allowance has passed", async () => {
    const token = await signJoinToken(creds, ann, { ttlSeconds: 60 });
    const exp = part(token, 1).exp as number;
    await expect(verifyJoinToken(creds, token, "standup", exp + CLOCK_SKEW_SECONDS - 1)).resolves.toBeDefined();
    expect(await code(verifyJoinToken(creds, token, "standup", exp + CLOCK_SKEW_SECONDS + 1))).toBe(ErrorCode.TOKEN_EXPIRED);
  });

  it("a token whose not-before is in the future is refused with TOKEN_NOT_YET_VALID", async () => {
    const token = await signJoinToken(creds, ann, { ttlSeconds: 60, notBefore: now() + 3600 });
    expect(await code(verifyJoinToken(creds, token, "standup"))).toBe(ErrorCode.TOKEN_NOT_YET_VALID);
    await expect(verifyJoinToken(creds, token, "standup", now() + 3600)).resolves.toBeDefined();
  });

  it("a valid token for another room is refused with TOKEN_WRONG_ROOM", async () => {
    const token = await signJoinToken(creds, ann, { ttlSeconds: 60 });
    expect(await code(verifyJoinToken(creds, token, "other-room"))).toBe(ErrorCode.TOKEN_WRONG_ROOM);
  });

  it("a token with a wrong signature is refused with TOKEN_INVALID", async () => {
    const token = await signJoinToken(creds, ann, { ttlSeconds: 60 });
    const [h, p, s] = token.split(".") as [string, string, string];
    const flipped = s.slice(0, 10) + (s[10] === "A" ? "B" : "A") + s.slice(11);
    expect(await code(verifyJoinToken(creds, `${h}.${p}.${flipped}`, "standup"))).toBe(ErrorCode.TOKEN_INVALID);
    expect(await code(verifyJoinToken(creds, `${h}.${p}.`, "standup"))).toBe(ErrorCode.TOKEN_INVALID);
  });

  it("an unsigned alg:none token is refused with TOKEN_INVALID", async () => {
    const none = `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ ...claimsFor(), role: "moderator" })}.`;
    expect(await code(verifyJoinToken(creds, none, "standup"))).toBe(ErrorCode.TOKEN_INVALID);
  });

  it("tokens with any algorithm but HS256 in their header are refused with TOKEN_INVALID", async () => {
    for (const alg of ["HS512", "HS384", "RS256", "ES256", "PS256", "EdDSA"]) {
      const token = handSigned({ alg, typ: "JWT" }, claimsFor(), creds.apiSecret);
      expect(await code(verifyJoinToken(creds, token, "standup")), alg).toBe(ErrorCode.TOKEN_INVALID);
    }
  });

  it("the hand-made HS256 token the algorithm tests alter is itself accepted", async () => {
    const token = handSigned({ alg: "HS256", typ: "JWT" }, claimsFor(), creds.apiSecret);
    await expect(verifyJoinToken(creds, token, "standup")).resolves.toMatchObject({ identity: "ann" });
  });

  it("a token whose role claim was edited to moderator is refused with TOKEN_INVALID", async () => {
    const token = await signJoinToken(creds, { ...ann, role: "viewer" }, { ttlSeconds: 60 });
    const [h, , s] = token.split(".") as [string, string, string];
    const edited = `${h}.${b64url({ ...part(token, 1), role: "moderator" })}.${s}`;
    expect(await code(verifyJoinToken(creds, edited, "standup"))).toBe(ErrorCode.TOKEN_INVALID);
  });

  it("a token from another server's key and secret, or our key with another secret, is refused with TOKEN_INVALID", async () => {
    const foreign = await signJoinToken(other, ann, { ttlSeconds: 60 });
    expect(await code(verifyJoinToken(creds, foreign, "standup"))).toBe(ErrorCode.TOKEN_INVALID);
    const ourKeyTheirSecret = await signJoinToken({ apiKey: creds.apiKey, apiSecret: other.apiSecret }, ann, { ttlSeconds: 60 });
    expect(await code(verifyJoinToken(creds, ourKeyTheirSecret, "standup"))).toBe(ErrorCode.TOKEN_INVALID);
    const theirKeyOurSecret = await signJoinToken({ apiKey: other.apiKey, apiSecret: creds.apiSecret }, ann, { ttlSeconds: 60 });
    expect(await code(verifyJoinToken(creds, theirKeyOurSecret, "standup"))).toBe(ErrorCode.TOKEN_INVALID);
  });

  it("correctly signed tokens with a missing exp or bad claims are refused with TOKEN_INVALID", async () => {
    const { exp: _exp, ...noExp } = claimsFor();
    const bad: Record<string, unknown>[] = [
      noExp,
      { ...claimsFor(), role: "admin" },
      { ...claimsFor(), sub: "ann<script>" },
      { ...claimsFor(), sub: "x".repeat(129) },
      { ...claimsFor(), name: "N".repeat(65) },
      { ...claimsFor(), room: "../etc" },
      { ...claimsFor(), grants: { camera: "yes" } },
      { ...claimsFor(), grants: { admin: true } },
      { ...claimsFor(), exp: "tomorrow" },
      { ...claimsFor(), nbf: "later" },
      { ...claimsFor(), iss: undefined },
    ];
    for (const payload of bad) {
      const token = handSigned({ alg: "HS256" }, payload, creds.apiSecret);
      expect(await code(verifyJoinToken(creds, token, "standup")), JSON.stringify(payload)).toBe(ErrorCode.TOKEN_INVALID);
    }
  });

  it("garbage and empty strings are refused with TOKEN_INVALID", async () => {
    for (const garbage of ["", "garbage", "a.b.c", "...", "eyJ.eyJ.sig", "Bearer x", "\u0000\uffff", "{\"alg\":\"none\"}"]) {
      expect(await code(verifyJoinToken(creds, garbage, "standup")), garbage).toBe(ErrorCode.TOKEN_INVALID);
    }
    expect(await code(verifyJoinToken(creds, 42 as unknown as string, "standup"))).toBe(ErrorCode.TOKEN_INVALID);
  });

  it("an overlong token is refused with TOKEN_INVALID before it is parsed", async () => {
    const token = await signJoinToken(creds, ann, { ttlSeconds: 60 });
    const padded = token + "A".repeat(MAX_TOKEN_LENGTH - token.length + 1);
    expect(await code(verifyJoinToken(creds, padded, "standup"))).toBe(ErrorCode.TOKEN_INVALID);
  });

  it("random strings never throw anything but a UserError with TOKEN_INVALID", async () => {
    const jwtish = fc
      .tuple(fc.base64String(), fc.base64String(), fc.base64String())
      .map(([a, b, c]) => `${a}.${b}.${c}`.replace(/=/g, ""));
    // Well-formed JSON header and payload under a made-up signature: reaches jose's signature check.
    const forged = fc
      .tuple(fc.record({ alg: fc.constantFrom("HS256", "none", "HS512", "RS256", "ES256"), typ: fc.constant("JWT") }), fc.jsonValue(), fc.base64String())
      .map(([h, p, sig]) => `${b64url(h)}.${b64url(p)}.${sig.replace(/=/g, "")}`);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.string({ unit: "binary" }), jwtish, forged, fc.string({ maxLength: 5000 })), async (s) => {
        expect(await code(verifyJoinToken(creds, s, "standup"))).toBe(ErrorCode.TOKEN_INVALID);
      }),
      { numRuns: 500 },
    );
  });

  it("signing refuses claims the server would refuse and lifetimes outside 1 s..30 days", async () => {
    await expect(signJoinToken(creds, { ...ann, room: "no/slash" }, { ttlSeconds: 60 })).rejects.toThrow(RangeError);
    await expect(signJoinToken(creds, { ...ann, identity: "" }, { ttlSeconds: 60 })).rejects.toThrow(RangeError);
    await expect(signJoinToken(creds, ann, { ttlSeconds: 0 })).rejects.toThrow(RangeError);
    await expect(signJoinToken(creds, ann, { ttlSeconds: 31 * 86400 })).rejects.toThrow(RangeError);
  });
});

describe("parseTtl", () => {
  it("reads seconds, minutes, hours and days", () => {
    expect(parseTtl("3600")).toBe(3600);
    expect(parseTtl("30s")).toBe(30);
    expect(parseTtl("90m")).toBe(5400);
    expect(parseTtl("2h")).toBe(7200);
    expect(parseTtl("1d")).toBe(86400);
    expect(parseTtl("30d")).toBe(30 * 86400);
  });

  it("refuses zero, more than 30 days, negatives, fractions and other units", () => {
    for (const bad of ["0", "0s", "31d", "-5m", "1.5h", "2w", "", "h", "2 hours", "1e3"]) {
      expect(() => parseTtl(bad), bad).toThrow(RangeError);
    }
  });
});
