import { SignJWT, errors as joseErrors, jwtVerify } from "jose";
import { z } from "zod";
import { DisplayName, ErrorCode, Grants, MAX_TOKEN_LENGTH, Role, RoomName } from "@confab/protocol";
import { UserError } from "../errors.js";
import type { ApiCredentials } from "./credentials.js";
import { Identity } from "./identity.js";

/** The only algorithm we sign with, hence the only one we accept (never `none`, never RS*). */
const ALGORITHM = "HS256";

/**
 * Clock skew tolerated on `exp` and `nbf`, seconds: a token stays valid up to 30 s after its
 * `exp` and is accepted up to 30 s before its `nbf`, so a server whose clock is slightly off
 * from the issuer's does not refuse fresh links.
 */
export const CLOCK_SKEW_SECONDS = 30;

/** Longest token lifetime {@link parseTtl} and {@link signJoinToken} allow: 30 days. */
export const MAX_TTL_SECONDS = 30 * 24 * 3600;

/** What a join token says about its holder (the claims we sign). */
export interface JoinClaims {
  room: string;
  identity: string;
  name?: string;
  role: Role;
  /** Grants to set explicitly; unset ones follow the role ({@link grantsForRole}). */
  grants?: Partial<Grants>;
}

/** A verified join token, ready to build a join request from. */
export interface VerifiedJoin {
  identity: string;
  name?: string;
  role: Role;
  /** The role's grants ({@link grantsForRole}) with the token's explicit grants over them. */
  grants: Grants;
  /** The token's `exp`, unix seconds. */
  expiresAt: number;
}

/** The claims we choose; checked before signing so we never issue a token we would refuse. */
const SignedClaims = z.object({
  sub: Identity,
  name: DisplayName.optional(),
  room: RoomName,
  role: Role,
  grants: Grants.partial().strict().optional(),
});

/** The claim set as it travels: validated after the signature, before anything trusts it. */
const JoinPayload = SignedClaims.extend({
  iss: z.string(),
  iat: z.number().int().nonnegative(),
  nbf: z.number().int().nonnegative().optional(),
  exp: z.number().int().positive(),
});

/**
 * Publish grants a role has unless its token says otherwise: moderators and participants may
 * publish everything and chat; viewers only chat. The room's policy may still restrict them.
 */
export function grantsForRole(role: Role): Grants {
  const publish = role !== "viewer";
  return { camera: publish, microphone: publish, screen: publish, chat: true };
}

function secretKey(creds: ApiCredentials): Uint8Array {
  return new TextEncoder().encode(creds.apiSecret);
}

/**
 * Signs a join token (JWT, HS256) for one room: `iss` = our API key, `sub` = identity, plus
 * `name`, `room`, `role`, `grants`, `iat`, `nbf` and `exp`. The token becomes valid at
 * `notBefore` (unix seconds, default now) and expires `ttlSeconds` after that.
 * Throws RangeError for claims the server would refuse or a TTL outside 1 s..30 days.
 */
export async function signJoinToken(
  creds: ApiCredentials,
  claims: JoinClaims,
  options: { ttlSeconds: number; notBefore?: number },
): Promise<string> {
  const { ttlSeconds } = options;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new RangeError(`ttlSeconds must be an integer in [1, ${MAX_TTL_SECONDS}], got ${ttlSeconds}`);
  }
  const iat = Math.floor(Date.now() / 1000);
  const nbf = options.notBefore ?? iat;
  if (!Number.isInteger(nbf) || nbf < 0) throw new RangeError(`notBefore must be unix seconds, got ${nbf}`);
  const payload = SignedClaims.safeParse({ sub: claims.identity, name: claims.name, room: claims.room, role: claims.role, grants: claims.grants });
  if (!payload.success) {
    const issue = payload.error.issues[0];
    throw new RangeError(`invalid claim ${issue?.path.join(".")}: ${issue?.message}`);
  }
  const { sub, ...rest } = payload.data;
  const token = await new SignJWT(rest)
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
    .setIssuer(creds.apiKey)
    .setSubject(sub)
    .setIssuedAt(iat)
    .setNotBefore(nbf)
    .setExpirationTime(nbf + ttlSeconds)
    .sign(secretKey(creds));
  if (token.length > MAX_TOKEN_LENGTH) throw new RangeError(`token is ${token.length} characters, over ${MAX_TOKEN_LENGTH}`);
  return token;
}

function invalid(detail: string): UserError {
  return new UserError(ErrorCode.TOKEN_INVALID, `invalid join token (${detail})`);
}

/** Maps jose's failures to our codes: only exp/nbf timing has its own code, all else is invalid. */
function toUserError(e: unknown): UserError {
  if (e instanceof joseErrors.JWTExpired) return new UserError(ErrorCode.TOKEN_EXPIRED, "the join link has expired");
  if (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === "nbf" && e.reason === "check_failed") {
    return new UserError(ErrorCode.TOKEN_NOT_YET_VALID, "the join link is not valid yet");
  }
  if (e instanceof joseErrors.JOSEError) return invalid(e.code);
  return invalid("malformed");
}

/**
 * Verifies a join token for `room` and returns who it admits. Accepts only HS256 tokens
 * signed with our secret whose `iss` is our API key and which carry `exp`; tolerates
 * {@link CLOCK_SKEW_SECONDS} of clock skew. Throws {@link UserError} with TOKEN_EXPIRED,
 * TOKEN_NOT_YET_VALID, TOKEN_WRONG_ROOM (a good token for another room) or TOKEN_INVALID
 * (anything else: garbage, too long, bad signature, other algorithm, foreign key, bad claims),
 * and never anything else.
 */
export async function verifyJoinToken(
  creds: ApiCredentials,
  token: string,
  room: string,
  nowSeconds?: number,
): Promise<VerifiedJoin> {
  // Bound the input before any parsing: jose would base64-decode and JSON-parse all of it.
  if (typeof token !== "string" || token.length === 0) throw invalid("empty");
  if (token.length > MAX_TOKEN_LENGTH) throw invalid("too long");
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, secretKey(creds), {
      algorithms: [ALGORITHM],
      issuer: creds.apiKey,
      requiredClaims: ["exp", "iat", "sub"],
      clockTolerance: CLOCK_SKEW_SECONDS,
      ...(nowSeconds !== undefined ? { currentDate: new Date(nowSeconds * 1000) } : {}),
    }));
  } catch (e) {
    throw toUserError(e);
  }
  const parsed = JoinPayload.safeParse(payload);
  if (!parsed.success) throw invalid(`bad claim ${parsed.error.issues[0]?.path.join(".") ?? ""}`);
  const claims = parsed.data;
  if (claims.room !== room) throw new UserError(ErrorCode.TOKEN_WRONG_ROOM, "this join link is for another room");
  const grants = { ...grantsForRole(claims.role), ...claims.grants };
  return {
    identity: claims.sub,
    ...(claims.name !== undefined ? { name: claims.name } : {}),
    role: claims.role,
    grants,
    expiresAt: claims.exp,
  };
}

const TTL_UNITS: Record<string, number> = { "": 1, s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Parses a token lifetime: a whole number with an optional unit, `s`, `m`, `h` or `d`
 * (`"3600"`, `"30s"`, `"90m"`, `"2h"`, `"1d"`), to seconds. Throws RangeError outside
 * 1 s..30 days or for any other form.
 */
export function parseTtl(text: string): number {
  const m = /^\s*(\d{1,9})\s*([smhd]?)\s*$/i.exec(text);
  if (!m) throw new RangeError(`invalid TTL "${text}": use e.g. 3600, 30s, 90m, 2h or 1d`);
  const seconds = Number(m[1]) * TTL_UNITS[m[2]!.toLowerCase()]!;
  if (seconds < 1 || seconds > MAX_TTL_SECONDS) {
    throw new RangeError(`TTL "${text}" is outside 1 s..30 days`);
  }
  return seconds;
}
