import { createHmac, timingSafeEqual } from "node:crypto";

/** The scheme word of the `Authorization` header of every webhook request. */
export const WEBHOOK_AUTH_SCHEME = "HMAC-SHA256";

/**
 * The `Authorization` header value of a webhook request: `HMAC-SHA256 <hex>`, the hex
 * HMAC-SHA256 (RFC 2104) of the raw body bytes, keyed with the server's API secret
 * (`API_SECRET`). A receiver computes the same over the bytes it received — before any JSON
 * parsing — and compares in constant time ({@link verifyWebhookSignature}).
 */
export function webhookAuthorization(body: string | Buffer, secret: string): string {
  return `${WEBHOOK_AUTH_SCHEME} ${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * Whether `authorization` (the request's `Authorization` header) signs `body` (the raw bytes
 * received) under `secret`. What a receiver written in Node does; README shows it standalone.
 */
export function verifyWebhookSignature(body: string | Buffer, authorization: string | undefined, secret: string): boolean {
  if (!authorization) return false;
  const expected = Buffer.from(webhookAuthorization(body, secret));
  const given = Buffer.from(authorization);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
