import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { verifyAdminToken } from "../../auth/adminTokens.js";
import { AttemptLimiter } from "../../auth/AttemptLimiter.js";
import type { ApiCredentials } from "../../auth/credentials.js";
import { addressKey, type AttemptRate } from "../../auth/PasswordGuard.js";
import { clientAddress } from "../../net/address.js";

/** Longest `Authorization` header read, characters: a key and secret fit many times over. */
const MAX_AUTHORIZATION_LENGTH = 2048;

/** The verdict on one request's credentials. */
export type AdminAuthResult = { ok: true } | { ok: false; status: 401 } | { ok: false; status: 429; retryAfterMs: number };

/**
 * Checks the admin API's credentials, either
 * - HTTP Basic (RFC 7617) with the server's API key as the user and its API secret as the
 *   password (`curl -u KEY:SECRET`), compared in constant time whatever is sent (both sides
 *   are HMAC'd under a per-process key, then compared with `timingSafeEqual`); or
 * - `Bearer <JWT>`: a short-lived admin token signed with the secret ({@link verifyAdminToken}).
 * Failures are limited per client address (IPv6 by /64): past the limit every request from that
 * address is refused with 429, the right credentials too, so guessing learns nothing.
 */
export class AdminAuth {
  readonly #expected: Buffer;
  readonly #macKey = randomBytes(32);
  readonly #failures: AttemptLimiter;

  constructor(
    private readonly credentials: ApiCredentials,
    /** Reverse proxies trusted to tell the client's address (`TRUST_PROXY`). */
    private readonly trustProxyHops: number,
    /** Failed logins allowed per address (`auth.adminLoginFailuresPerMinute`). */
    rate: AttemptRate,
  ) {
    this.#expected = this.#mac(`${credentials.apiKey}:${credentials.apiSecret}`);
    this.#failures = new AttemptLimiter({ ...rate, maxKeys: 100_000 });
  }

  /** Whether `req` carries valid credentials; a failure counts against its address. */
  async check(req: IncomingMessage): Promise<AdminAuthResult> {
    const key = addressKey(clientAddress(req, this.trustProxyHops));
    const retryAfterMs = this.#failures.retryAfterMs(key);
    if (retryAfterMs > 0) return { ok: false, status: 429, retryAfterMs };
    if (await this.#valid(req.headers.authorization)) return { ok: true };
    this.#failures.consume(key);
    return { ok: false, status: 401 };
  }

  async #valid(header: string | undefined): Promise<boolean> {
    if (header === undefined || header.length > MAX_AUTHORIZATION_LENGTH) return false;
    const bearer = /^Bearer +([A-Za-z0-9_.-]+) *$/.exec(header);
    if (bearer) return verifyAdminToken(this.credentials, bearer[1]!);
    const given = basicCredentials(header);
    return given !== undefined && timingSafeEqual(this.#mac(given), this.#expected);
  }

  #mac(text: string): Buffer {
    return createHmac("sha256", this.#macKey).update(text, "utf8").digest();
  }
}

/** The `user:password` of a Basic `Authorization` header, or undefined for anything else. */
export function basicCredentials(header: string | undefined): string | undefined {
  if (header === undefined || header.length > MAX_AUTHORIZATION_LENGTH) return undefined;
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  return decoded.includes(":") ? decoded : undefined;
}
