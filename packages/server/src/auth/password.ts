import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { MAX_PASSWORD_LENGTH } from "@confab/protocol";

/**
 * scrypt cost we hash with: N = 2^14, r = 8, p = 1 (16 MiB, ~35 ms of one libuv thread here),
 * the "interactive login" parameters of the scrypt paper. A meeting password is a short-lived
 * secret guessed online only through joins limited per address and per room; N = 2^15 (the
 * earlier choice) cost 71 ms of server CPU for a moderator's one `policy` message, over the
 * 50 ms goal for any single message (docs/architecture.md, "Room passwords"). Stored with each
 * hash, so hashes made with other parameters keep verifying.
 */
export const SCRYPT_PARAMS = { log2N: 14, r: 8, p: 1 } as const;

const SALT_BYTES = 16;
const KEY_BYTES = 32;

/**
 * Bounds on parameters read back from a stored hash. A tampered or corrupt hash could ask for
 * N = 2^40; we refuse anything costing more than N = 2^15, r = 8, p = 1 (32 MiB: the
 * parameters of hashes stored before, twice our own), so a verification always ends in well
 * under a second.
 */
const MAX_COST_BYTES = 128 * 2 ** 15 * 8 * 1;
const MAX_ENCODED_LENGTH = 256;

interface Encoded {
  log2N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function derive(password: string, salt: Buffer, keyLength: number, e: Omit<Encoded, "salt" | "hash">): Promise<Buffer> {
  const N = 2 ** e.log2N;
  // Node's default maxmem (32 MiB) is exactly what N=2^15,r=8 needs and fails; give it headroom.
  const options: ScryptOptions = { N, r: e.r, p: e.p, maxmem: 128 * N * e.r * e.p + 8 * 1024 * 1024 };
  // NFC so the same password typed on two keyboards (composed vs decomposed accents) matches.
  const input = Buffer.from(password.normalize("NFC"), "utf8");
  return new Promise((resolve, reject) => {
    scrypt(input, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function b64(s: string | undefined): Buffer | undefined {
  if (s === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return undefined;
  return Buffer.from(s, "base64");
}

function smallInt(s: string | undefined, min: number, max: number): number | undefined {
  if (s === undefined || !/^\d{1,3}$/.test(s)) return undefined;
  const n = Number(s);
  return n >= min && n <= max ? n : undefined;
}

/** Parses `scrypt$<log2N>$<r>$<p>$<salt>$<hash>`, or undefined when malformed or too costly. */
function decode(encoded: string): Encoded | undefined {
  if (typeof encoded !== "string" || encoded.length > MAX_ENCODED_LENGTH) return undefined;
  const parts = encoded.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return undefined;
  const log2N = smallInt(parts[1], 1, 20);
  const r = smallInt(parts[2], 1, 32);
  const p = smallInt(parts[3], 1, 16);
  const salt = b64(parts[4]);
  const hash = b64(parts[5]);
  if (log2N === undefined || r === undefined || p === undefined || !salt || !hash) return undefined;
  if (128 * 2 ** log2N * r * p > MAX_COST_BYTES) return undefined;
  if (salt.length < 8 || salt.length > 64 || hash.length < 16 || hash.length > 64) return undefined;
  return { log2N, r, p, salt, hash };
}

/** True when `encoded` has the shape {@link hashPassword} produces and verifiable parameters. */
export function isPasswordHash(encoded: string): boolean {
  return decode(encoded) !== undefined;
}

/**
 * Hashes a room password with scrypt and a random 16-byte salt, encoded as
 * `scrypt$14$8$1$<salt base64>$<hash base64>`. Throws RangeError for an empty password or one
 * longer than MAX_PASSWORD_LENGTH.
 */
export async function hashPassword(password: string): Promise<string> {
  if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH) {
    throw new RangeError(`password must be 1..${MAX_PASSWORD_LENGTH} characters`);
  }
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, KEY_BYTES, SCRYPT_PARAMS);
  const { log2N, r, p } = SCRYPT_PARAMS;
  return `scrypt$${log2N}$${r}$${p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

/**
 * Checks a password against a hash from {@link hashPassword}, comparing in constant time.
 * False (never a throw) for a wrong password, an empty or over-long one (refused before any
 * hashing), or a malformed or too costly encoding.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  if (typeof password !== "string" || password.length === 0 || password.length > MAX_PASSWORD_LENGTH) return false;
  const e = decode(encoded);
  if (!e) return false;
  try {
    const candidate = await derive(password, e.salt, e.hash.length, e);
    return timingSafeEqual(candidate, e.hash);
  } catch {
    return false;
  }
}
