/**
 * `npm run --silent token -- --room standup --name Ann --role moderator --ttl 2h`: prints a
 * join token, then the join link as the LAST line (a contract: scripts take `tail -n 1`).
 * Reads the API key and secret exactly as the server does (env, else DATA_DIR).
 */
import { randomBytes } from "node:crypto";
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { Role, type Grants } from "@confab/protocol";
import { loadApiCredentials } from "../auth/credentials.js";
import { parseTtl, signJoinToken } from "../auth/tokens.js";
import { loadConfig } from "../config/env.js";

/** Where {@link main} writes: one call per line, without the newline. */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

const USAGE = `Usage: npm run --silent token -- --room <room> [options]

Prints a signed join token, then the join link <PUBLIC_URL>/<room>?token=<token> as the last line.

  --room <name>       room the token admits to ([A-Za-z0-9_-]{1,64}; required)
  --name <name>       display name shown in the meeting
  --identity <id>     stable identity ([A-Za-z0-9_.@:-]{1,128}); default: a slug of the name
                      plus a random suffix
  --role <role>       moderator | participant | viewer (default participant)
  --ttl <duration>    lifetime: 3600, 30s, 90m, 2h, 1d (default 2h, at most 30d)
  --no-camera, --no-microphone, --no-screen, --no-chat
                      withhold that grant (default: the role's grants)
  -h, --help          this text

Environment: API_KEY and API_SECRET (else DATA_DIR/api-credentials.json, generated when
absent, as the server does), DATA_DIR (default data), PUBLIC_URL (default
http://localhost:<PORT or 8080>).`;

/** Thrown for bad command-line input; {@link main} prints it and exits with 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A readable identity from a display name: `Ann Lee` → `ann-lee-k3x9qa`. */
export function identityFromName(name: string | undefined): string {
  const slug = (name ?? "")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 32)
    .replace(/-+$/, "");
  const suffix = Array.from(randomBytes(6), (b) => "abcdefghijklmnopqrstuvwxyz234567"[b & 31]).join("");
  return `${slug || "user"}-${suffix}`;
}

function publicUrl(env: NodeJS.ProcessEnv, port: number): string {
  return (env.PUBLIC_URL || `http://localhost:${port || 8080}`).replace(/\/+$/, "");
}

async function run(argv: string[], env: NodeJS.ProcessEnv, io: CliOutput): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      room: { type: "string" },
      name: { type: "string" },
      identity: { type: "string" },
      role: { type: "string", default: "participant" },
      ttl: { type: "string", default: "2h" },
      "no-camera": { type: "boolean" },
      "no-microphone": { type: "boolean" },
      "no-screen": { type: "boolean" },
      "no-chat": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.out(USAGE);
    return;
  }
  if (!values.room) throw new UsageError("--room is required");
  const role = Role.safeParse(values.role);
  if (!role.success) throw new UsageError(`--role must be moderator, participant or viewer, got "${values.role}"`);
  const ttlSeconds = parseTtl(values.ttl);
  const grants: Partial<Grants> = {};
  for (const g of ["camera", "microphone", "screen", "chat"] as const) if (values[`no-${g}`]) grants[g] = false;

  const config = loadConfig(env);
  const { credentials, generated, file } = loadApiCredentials(env, config.dataDir);
  if (generated) io.err(`Generated a new API key and secret in ${file}; the server will use them too.`);
  const token = await signJoinToken(
    credentials,
    {
      room: values.room,
      identity: values.identity ?? identityFromName(values.name),
      ...(values.name !== undefined ? { name: values.name } : {}),
      role: role.data,
      ...(Object.keys(grants).length > 0 ? { grants } : {}),
    },
    { ttlSeconds },
  );
  io.out(token);
  io.out(`${publicUrl(env, config.port)}/${encodeURIComponent(values.room)}?token=${token}`);
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and `env`, writing through `io`.
 * Returns the exit code: 0, or 2 after printing the error to `io.err`.
 */
export async function main(argv: string[], env: NodeJS.ProcessEnv, io: CliOutput): Promise<number> {
  try {
    await run(argv, env, io);
    return 0;
  } catch (e) {
    io.err(`token: ${(e as Error).message}`);
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) io.err("Try --help.");
    return 2;
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const io: CliOutput = {
    out: (line) => process.stdout.write(line + "\n"),
    err: (line) => process.stderr.write(line + "\n"),
  };
  process.exitCode = await main(process.argv.slice(2), process.env, io);
}
