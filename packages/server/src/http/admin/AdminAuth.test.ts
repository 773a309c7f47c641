import type { IncomingMessage } from "node:http";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN_AUDIENCE, signAdminToken } from "../../auth/adminTokens.js";
import { signJoinToken } from "../../auth/tokens.js";
import { AdminAuth, basicCredentials } from "./AdminAuth.js";

const creds = { apiKey: "APIKEY123", apiSecret: "s".repeat(40) };
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

/** Just what AdminAuth reads of a request: its Authorization header, peer and forwarded-for. */
function request(authorization: string | undefined, address = "203.0.113.7", forwardedFor?: string): IncomingMessage {
  return {
    headers: { ...(authorization !== undefined ? { authorization } : {}), ...(forwardedFor ? { "x-forwarded-for": forwardedFor } : {}) },
    socket: { remoteAddress: address },
  } as unknown as IncomingMessage;
}

describe("AdminAuth", () => {
  it("accepts the API key and secret as HTTP Basic credentials, and nothing else", async () => {
    const auth = new AdminAuth(creds, 0, { burst: 100, refillPerMinute: 100 });
    expect(await auth.check(request(basic(creds.apiKey, creds.apiSecret)))).toEqual({ ok: true });
    for (const header of [
      undefined,
      "",
      basic(creds.apiKey, creds.apiSecret + "x"),
      basic(creds.apiKey, creds.apiSecret.slice(1)),
      basic("other", creds.apiSecret),
      basic(creds.apiSecret, creds.apiKey),
      `Bearer ${creds.apiSecret}`,
      `Basic ${creds.apiKey}:${creds.apiSecret}`,
      `Basic ${"A".repeat(5000)}`,
    ]) {
      expect(await auth.check(request(header))).toEqual({ ok: false, status: 401 });
    }
  });

  it("after too many failures from one address refuses it with 429, the right credentials too, while other addresses go on", async () => {
    const auth = new AdminAuth(creds, 0, { burst: 3, refillPerMinute: 3 });
    for (let i = 0; i < 3; i++) expect(await auth.check(request(basic("x", "y")))).toMatchObject({ status: 401 });
    const limited = await auth.check(request(basic(creds.apiKey, creds.apiSecret)));
    expect(limited).toMatchObject({ ok: false, status: 429 });
    expect(limited.ok === false && limited.status === 429 && limited.retryAfterMs).toBeGreaterThan(0);
    expect(await auth.check(request(basic(creds.apiKey, creds.apiSecret), "198.51.100.1"))).toEqual({ ok: true });
  });

  it("limits the client behind a trusted proxy by the address the proxy saw, IPv6 by /64", async () => {
    const auth = new AdminAuth(creds, 1, { burst: 1, refillPerMinute: 1 });
    expect(await auth.check(request(undefined, "127.0.0.1", "2001:db8:1:2::1"))).toMatchObject({ status: 401 });
    expect(await auth.check(request(basic(creds.apiKey, creds.apiSecret), "127.0.0.1", "2001:db8:1:2::ffff"))).toMatchObject({ status: 429 });
    expect(await auth.check(request(basic(creds.apiKey, creds.apiSecret), "127.0.0.1", "2001:db8:1:3::1"))).toEqual({ ok: true });
  });
});

/** A JWT with exactly these claims and header, signed with `secret` (for the refusal cases). */
function jwt(claims: Record<string, unknown>, secret = creds.apiSecret, alg = "HS256"): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg }).sign(new TextEncoder().encode(secret));
}

describe("AdminAuth with admin tokens (Bearer)", () => {
  it("accepts a short-lived admin token signed with the API secret", async () => {
    const auth = new AdminAuth(creds, 0, { burst: 100, refillPerMinute: 100 });
    expect(await auth.check(request(`Bearer ${await signAdminToken(creds, 60)}`))).toEqual({ ok: true });
  });

  it("refuses join tokens, other keys and secrets, expired or long-lived tokens, and other algorithms", async () => {
    const auth = new AdminAuth(creds, 0, { burst: 100, refillPerMinute: 100 });
    const now = Math.floor(Date.now() / 1000);
    const valid = { iss: creds.apiKey, aud: ADMIN_TOKEN_AUDIENCE, iat: now, exp: now + 60 };
    const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify(valid)).toString("base64url")}.`;
    for (const token of [
      await signJoinToken(creds, { room: "standup", identity: "ann", role: "moderator" }, { ttlSeconds: 60 }),
      await signAdminToken({ apiKey: "other", apiSecret: creds.apiSecret }, 60),
      await signAdminToken({ apiKey: creds.apiKey, apiSecret: "x".repeat(40) }, 60),
      await jwt({ ...valid, aud: "something-else" }),
      await jwt({ ...valid, iat: now - 600, exp: now - 300 }),
      await jwt({ ...valid, exp: now + 7200 }),
      await jwt({ iss: creds.apiKey, aud: ADMIN_TOKEN_AUDIENCE, iat: now }),
      await jwt(valid, creds.apiSecret, "HS512"),
      none,
      "not.a.token",
    ]) {
      expect(await auth.check(request(`Bearer ${token}`))).toEqual({ ok: false, status: 401 });
    }
  });
});

describe("basicCredentials", () => {
  it("decodes user:password from a Basic header and refuses other schemes and shapes", () => {
    expect(basicCredentials(basic("k", "s:with:colons"))).toBe("k:s:with:colons");
    expect(basicCredentials(`basic ${Buffer.from("k:s").toString("base64")}`)).toBe("k:s");
    expect(basicCredentials(`Basic ${Buffer.from("no-colon").toString("base64")}`)).toBeUndefined();
    expect(basicCredentials("Digest abc")).toBeUndefined();
    expect(basicCredentials("Basic !!!")).toBeUndefined();
  });
});
