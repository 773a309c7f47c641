import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode } from "@confab/protocol";
import { loadApiCredentials } from "../auth/credentials.js";
import { verifyJoinToken } from "../auth/tokens.js";
import { identityFromName, main, type CliOutput } from "./token.js";

let dataDir: string;
beforeEach(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "confab-cli-"));
});
afterEach(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliOutput = { out: (l) => out.push(...l.split("\n")), err: (l) => err.push(...l.split("\n")) };
  const code = await main(argv, { DATA_DIR: dataDir, ...env }, io);
  return { code, out, err };
}

const secret = "k".repeat(40);

describe("token CLI", () => {
  it("prints the token, then the join link as its last line, and the token admits to that room with that role", async () => {
    const { code, out, err } = await run(["--room", "standup", "--name", "Ann", "--role", "moderator", "--ttl", "2h"], {
      API_KEY: "cli-key",
      API_SECRET: secret,
    });
    expect(code).toBe(0);
    expect(err).toEqual([]);
    const link = out.at(-1)!;
    expect(link).toMatch(/^http:\/\/localhost:8080\/standup\?token=[\w-]+\.[\w-]+\.[\w-]+$/);
    const token = new URL(link).searchParams.get("token")!;
    expect(out[0]).toBe(token);
    const v = await verifyJoinToken({ apiKey: "cli-key", apiSecret: secret }, token, "standup");
    expect(v).toMatchObject({ role: "moderator", name: "Ann", grants: { camera: true, microphone: true, screen: true, chat: true } });
    expect(v.identity).toMatch(/^ann-[a-z2-7]{6}$/);
    expect(v.expiresAt - Date.now() / 1000).toBeGreaterThan(7190);
  });

  it("generates credentials into DATA_DIR like the server, says so on stderr, and reuses them next time", async () => {
    const first = await run(["--room", "r1", "--name", "Bob"]);
    expect(first.code).toBe(0);
    expect(first.err.join("\n")).toMatch(/Generated a new API key/);
    const second = await run(["--room", "r1", "--name", "Bob", "--identity", "bob@example.com", "--role", "viewer"]);
    expect(second.err).toEqual([]);
    const { credentials } = loadApiCredentials({}, dataDir);
    const v = await verifyJoinToken(credentials, new URL(second.out.at(-1)!).searchParams.get("token")!, "r1");
    expect(v).toMatchObject({ identity: "bob@example.com", role: "viewer" });
  });

  it("uses PUBLIC_URL without its trailing slash, else the local URL on PORT", async () => {
    const env = { API_KEY: "k", API_SECRET: secret };
    expect((await run(["--room", "x", "--name", "A"], { ...env, PUBLIC_URL: "https://meet.example.com/" })).out.at(-1)).toMatch(
      /^https:\/\/meet\.example\.com\/x\?token=/,
    );
    expect((await run(["--room", "x", "--name", "A"], { ...env, PORT: "9000" })).out.at(-1)).toMatch(/^http:\/\/localhost:9000\/x\?token=/);
  });

  it("--no-camera and friends withhold those grants", async () => {
    const env = { API_KEY: "k", API_SECRET: secret };
    const { out } = await run(["--room", "x", "--name", "A", "--no-camera", "--no-screen"], env);
    const v = await verifyJoinToken({ apiKey: "k", apiSecret: secret }, out[0]!, "x");
    expect(v.grants).toEqual({ camera: false, microphone: true, screen: false, chat: true });
    const other = await verifyJoinToken({ apiKey: "k", apiSecret: secret }, out[0]!, "y").catch((e: { code: string }) => e.code);
    expect(other).toBe(ErrorCode.TOKEN_WRONG_ROOM);
  });

  it("bad role, ttl, room, unknown options or half-set credentials print an error and exit with 2", async () => {
    const env = { API_KEY: "k", API_SECRET: secret };
    for (const argv of [
      ["--room", "x", "--role", "admin"],
      ["--room", "x", "--ttl", "forever"],
      ["--room", "x", "--ttl", "90d"],
      ["--room", "no/slash", "--name", "A"],
      ["--name", "A"],
      ["--room", "x", "--bogus"],
      ["--room", "x", "--identity", "has space"],
    ]) {
      const r = await run(argv, env);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.out, argv.join(" ")).toEqual([]);
      expect(r.err[0], argv.join(" ")).toMatch(/^token: /);
    }
    expect((await run(["--room", "x"], { API_KEY: "only-key" })).code).toBe(2);
  });

  it("--help prints the usage and exits with 0", async () => {
    const { code, out } = await run(["--help"]);
    expect(code).toBe(0);
    expect(out.join("\n")).toMatch(/--room <name>/);
  });
});

describe("identityFromName", () => {
  it("slugs the name and adds a random suffix, falling back to user for names without latin letters", () => {
    expect(identityFromName("Ann Lee")).toMatch(/^ann-lee-[a-z2-7]{6}$/);
    expect(identityFromName("Zoë")).toMatch(/^zoe-[a-z2-7]{6}$/);
    expect(identityFromName("Анна")).toMatch(/^user-[a-z2-7]{6}$/);
    expect(identityFromName(undefined)).toMatch(/^user-[a-z2-7]{6}$/);
    expect(identityFromName("Ann")).not.toBe(identityFromName("Ann"));
  });
});
