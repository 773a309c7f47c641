import { SignJWT, jwtVerify } from "jose";
import type { ApiCredentials } from "./credentials.js";

/**
 * The audience of an admin API token. Join tokens carry none, so a join link can never be used
 * as an admin credential (nor an admin token as a join link: it names no room).
 */
export const ADMIN_TOKEN_AUDIENCE = "confab:admin";

/** Longest lifetime of an admin token (`exp - iat`), seconds: they are meant to be short-lived. */
export const MAX_ADMIN_TOKEN_TTL_SECONDS = 3600;

/** Longest admin token read, characters (one is ~200). */
const MAX_ADMIN_TOKEN_LENGTH = 2048;

/** Clock skew tolerated on `exp`, seconds (as for join tokens). */
const CLOCK_SKEW_SECONDS = 30;

function secretKey(creds: ApiCredentials): Uint8Array {
  return new TextEncoder().encode(creds.apiSecret);
}

/**
 * Signs an admin API token (JWT, HS256, as LiveKit's access tokens): `iss` = the API key,
 * `aud` = {@link ADMIN_TOKEN_AUDIENCE}, `iat`, `exp` = now + `ttlSeconds` (1 s..1 h). Sent as
 * `Authorization: Bearer <token>`, it keeps the secret itself off the wire.
 */
export async function signAdminToken(creds: ApiCredentials, ttlSeconds = 300): Promise<string> {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_ADMIN_TOKEN_TTL_SECONDS) {
    throw new RangeError(`ttlSeconds must be an integer in [1, ${MAX_ADMIN_TOKEN_TTL_SECONDS}], got ${ttlSeconds}`);
  }
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(creds.apiKey)
    .setAudience(ADMIN_TOKEN_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(secretKey(creds));
}

/**
 * Whether `token` is an admin token this server signed and still valid: HS256 only, our key as
 * `iss`, the admin audience, `iat` and `exp` present, at most {@link MAX_ADMIN_TOKEN_TTL_SECONDS}
 * between them. Never throws.
 */
export async function verifyAdminToken(creds: ApiCredentials, token: string): Promise<boolean> {
  if (token.length === 0 || token.length > MAX_ADMIN_TOKEN_LENGTH) return false;
  try {
    const { payload } = await jwtVerify(token, secretKey(creds), {
      algorithms: ["HS256"],
      issuer: creds.apiKey,
      audience: ADMIN_TOKEN_AUDIENCE,
      requiredClaims: ["iat", "exp"],
      clockTolerance: CLOCK_SKEW_SECONDS,
    });
    return typeof payload.exp === "number" && typeof payload.iat === "number" && payload.exp - payload.iat <= MAX_ADMIN_TOKEN_TTL_SECONDS;
  } catch {
    return false;
  }
}
