import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { ConfigError } from "../config/env.js";

/** The key and secret the server signs and verifies join tokens with (HS256). */
export interface ApiCredentials {
  /** Public name of the key; tokens carry it as their issuer (`iss`). */
  apiKey: string;
  /** Shared HMAC secret, at least {@link MIN_API_SECRET_LENGTH} characters. */
  apiSecret: string;
}

/** Shortest accepted `API_SECRET`: 32 characters (HS256 wants a key of at least 256 bits). */
export const MIN_API_SECRET_LENGTH = 32;

/** Name of the file, in `DATA_DIR`, holding generated credentials. */
export const CREDENTIALS_FILE = "api-credentials.json";

const ApiCredentialsSchema = z.object({
  apiKey: z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, "apiKey must be printable ASCII without spaces"),
  apiSecret: z.string().min(MIN_API_SECRET_LENGTH).max(1024),
});

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** `API` followed by 12 random base32 characters (60 bits: a name, not a secret). */
function generateKey(): string {
  return "API" + Array.from(randomBytes(12), (b) => BASE32[b & 31]).join("");
}

function generate(): ApiCredentials {
  return { apiKey: generateKey(), apiSecret: randomBytes(32).toString("base64url") };
}

function validate(value: unknown, source: string): ApiCredentials {
  const parsed = ApiCredentialsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${source}: ${issue?.path.join(".") || "value"}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

function readFile(file: string): ApiCredentials | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ConfigError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // Never regenerate over a damaged file: that would silently invalidate every issued token.
    throw new ConfigError(`${file} is not valid JSON (${(e as Error).message}); fix or delete it`);
  }
  return validate(json, file);
}

/**
 * Writes `creds` to `file` only if it does not exist yet. The content goes to a private temp
 * file first, which is then hard-linked to the final name: `link` fails with EEXIST when
 * another process got there first, so the file is never seen half-written and never
 * overwritten. Returns false when another writer won.
 */
function writeExclusive(file: string, creds: ApiCredentials): boolean {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const fd = fs.openSync(tmp, "wx", 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(creds, null, 2) + "\n");
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Finds the API key and secret the same way for the server and the token CLI:
 * 1. `API_KEY` and `API_SECRET` from the environment (both or neither);
 * 2. else `<dataDir>/api-credentials.json`;
 * 3. else fresh random ones, written there with mode 0600 (`generated: true`, so the caller
 *    can say so once).
 *
 * Safe when two processes start at once: exactly one file is written and both return its
 * content. Throws {@link ConfigError} for half-set variables, a short secret or a damaged file.
 */
export function loadApiCredentials(
  env: NodeJS.ProcessEnv,
  dataDir: string,
): { credentials: ApiCredentials; generated: boolean; file?: string } {
  const key = env.API_KEY || undefined;
  const secret = env.API_SECRET || undefined;
  if ((key === undefined) !== (secret === undefined)) {
    throw new ConfigError("API_KEY and API_SECRET must be set together (or neither)");
  }
  if (key !== undefined && secret !== undefined) {
    return { credentials: validate({ apiKey: key, apiSecret: secret }, "API_KEY/API_SECRET"), generated: false };
  }
  const file = path.resolve(dataDir, CREDENTIALS_FILE);
  const existing = readFile(file);
  if (existing) return { credentials: existing, generated: false, file };
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const fresh = generate();
  if (writeExclusive(file, fresh)) return { credentials: fresh, generated: true, file };
  const winner = readFile(file);
  if (!winner) throw new ConfigError(`${file} vanished while it was being created`);
  return { credentials: winner, generated: false, file };
}
