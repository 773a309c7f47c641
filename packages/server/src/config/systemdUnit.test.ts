import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SERVER_ENV, SERVER_NODE_FLAGS } from "../node-flags.js";

const UNIT = fileURLToPath(new URL("../../../../deploy/systemd/confab.service", import.meta.url));
const SYSTEMD_ANALYZE = "/usr/bin/systemd-analyze";

/** Every `Key=value` of the unit file (comments and sections dropped), values in order. */
function settings(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of readFileSync(UNIT, "utf8").split("\n")) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    out.set(match[1]!, [...(out.get(match[1]!) ?? []), match[2]!]);
  }
  return out;
}

function one(key: string): string {
  const values = settings().get(key);
  expect(values, key).toHaveLength(1);
  return values![0]!;
}

function environment(name: string): string | undefined {
  return settings()
    .get("Environment")
    ?.map((e) => e.split("="))
    .find(([key]) => key === name)?.[1];
}

describe("deploy/systemd/confab.service", () => {
  it("stops with SIGTERM and waits longer than DRAIN_TIMEOUT, so a restart drains meetings instead of killing them", () => {
    expect(one("KillSignal")).toBe("SIGTERM");
    expect(one("KillMode")).toBe("mixed");
    const drainSeconds = Number(environment("DRAIN_TIMEOUT"));
    expect(drainSeconds).toBeGreaterThan(0);
    expect(Number(one("TimeoutStopSec"))).toBeGreaterThan(drainSeconds + 5);
  });

  it("starts dist/main.js with the GC flags and malloc setting npm start uses, and keeps DATA_DIR as the only writable path", () => {
    expect(one("ExecStart")).toBe(`/usr/bin/node ${SERVER_NODE_FLAGS.join(" ")} /opt/confab/packages/server/dist/main.js`);
    const dataDir = environment("DATA_DIR");
    expect(dataDir).toBe("/var/lib/confab");
    expect(one("ReadWritePaths")).toBe(dataDir);
    expect(`/var/lib/${one("StateDirectory")}`).toBe(dataDir);
    for (const [name, value] of Object.entries(SERVER_ENV)) expect(environment(name), name).toBe(value);
  });

  it("sets the hardening options that fit a media server", () => {
    for (const [key, value] of [
      ["NoNewPrivileges", "yes"],
      ["ProtectSystem", "strict"],
      ["ProtectHome", "yes"],
      ["PrivateTmp", "yes"],
      ["PrivateDevices", "yes"],
      ["CapabilityBoundingSet", ""],
      ["RestrictSUIDSGID", "yes"],
      ["SystemCallArchitectures", "native"],
    ] as const) {
      expect(one(key), key).toBe(value);
    }
    expect(one("RestrictAddressFamilies").split(" ").sort()).toEqual(["AF_INET", "AF_INET6", "AF_NETLINK", "AF_UNIX"]);
    // V8 compiles code at run time: this one would stop Node at its first JIT.
    expect(settings().has("MemoryDenyWriteExecute")).toBe(false);
  });

  it.skipIf(!existsSync(SYSTEMD_ANALYZE))("passes systemd-analyze verify", () => {
    // systemd ignores a key it cannot parse with a warning on stderr (and exits 0): none allowed.
    const result = spawnSync(SYSTEMD_ANALYZE, ["verify", UNIT], { encoding: "utf8" });
    expect({ status: result.status, stderr: result.stderr, stdout: result.stdout }).toEqual({ status: 0, stderr: "", stdout: "" });
  });
});
