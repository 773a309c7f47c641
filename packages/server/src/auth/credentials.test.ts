import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConfigError } from "../config/env.js";
import { CREDENTIALS_FILE, loadApiCredentials } from "./credentials.js";

let dir: string;
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), "confab-creds-"));
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

const secret = "x".repeat(32);

describe("loadApiCredentials", () => {
  it("takes API_KEY and API_SECRET from the environment over any file", async () => {
    loadApiCredentials({}, dir);
    const r = loadApiCredentials({ API_KEY: "mykey", API_SECRET: secret }, dir);
    expect(r).toEqual({ credentials: { apiKey: "mykey", apiSecret: secret }, generated: false });
  });

  it("refuses only one of API_KEY and API_SECRET, or a secret shorter than 32 characters", () => {
    expect(() => loadApiCredentials({ API_KEY: "k" }, dir)).toThrow(ConfigError);
    expect(() => loadApiCredentials({ API_SECRET: secret }, dir)).toThrow(ConfigError);
    expect(() => loadApiCredentials({ API_KEY: "k", API_SECRET: "short" }, dir)).toThrow(ConfigError);
  });

  it("generates credentials into a new data directory with mode 0600, then reads the same ones back", async () => {
    const dataDir = path.join(dir, "nested", "data");
    const first = loadApiCredentials({}, dataDir);
    expect(first.generated).toBe(true);
    expect(first.file).toBe(path.join(dataDir, CREDENTIALS_FILE));
    expect(first.credentials.apiKey).toMatch(/^API[A-Z2-7]{12}$/);
    expect(Buffer.from(first.credentials.apiSecret, "base64url")).toHaveLength(32);
    expect((await fsp.stat(first.file!)).mode & 0o777).toBe(0o600);
    const second = loadApiCredentials({}, dataDir);
    expect(second).toEqual({ credentials: first.credentials, generated: false, file: first.file });
    expect((await fsp.readdir(dataDir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("refuses a damaged credentials file instead of replacing it", async () => {
    await fsp.writeFile(path.join(dir, CREDENTIALS_FILE), "{ not json");
    expect(() => loadApiCredentials({}, dir)).toThrow(ConfigError);
    await fsp.writeFile(path.join(dir, CREDENTIALS_FILE), JSON.stringify({ apiKey: "k", apiSecret: "short" }));
    expect(() => loadApiCredentials({}, dir)).toThrow(ConfigError);
  });

  it("a process that loses the race to create the file returns the winner's credentials and leaves no temp file", async () => {
    const winner = { apiKey: "APIWINNERWINNER1", apiSecret: "w".repeat(43) };
    const realLink = fs.linkSync.bind(fs);
    // Another process creates the file between our read (nothing there) and our link.
    const spy = vi.spyOn(fs, "linkSync").mockImplementation((from, to) => {
      fs.writeFileSync(to, JSON.stringify(winner));
      realLink(from, to);
    });
    try {
      const r = loadApiCredentials({}, dir);
      expect(r).toEqual({ credentials: winner, generated: false, file: path.join(dir, CREDENTIALS_FILE) });
    } finally {
      spy.mockRestore();
    }
    expect(fs.readdirSync(dir)).toEqual([CREDENTIALS_FILE]);
  });
});

