#!/usr/bin/env node
/**
 * `npm run test:asan -w @confab/native`: builds the addon with -fsanitize=address,undefined and
 * runs this package's tests against that build (libasan preloaded into node, which is not
 * itself instrumented; leak checks off: node frees little at exit by design). Any sanitizer
 * report aborts the run.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const repo = join(root, "..", "..");
const compiler = process.env.CC || "cc";

// Without a compiler there is no addon to check (the server runs the TypeScript path).
if (spawnSync(compiler, ["--version"], { stdio: "ignore" }).status !== 0) {
  console.log(`@confab/native: sanitizer run skipped (no ${compiler})`);
  process.exit(0);
}
const build = spawnSync(process.execPath, [join(root, "scripts", "build.mjs"), "--asan"], { stdio: "inherit" });
if (build.status !== 0) process.exit(1);
const libasan = execFileSync(compiler, ["-print-file-name=libasan.so"], { encoding: "utf8" }).trim();
const started = Date.now();
const run = spawnSync(
  process.execPath,
  [join(repo, "node_modules", "vitest", "vitest.mjs"), "run", "--root", repo, "packages/native/src"],
  {
    stdio: "inherit",
    env: {
      ...process.env,
      LD_PRELOAD: libasan,
      ASAN_OPTIONS: "detect_leaks=0:abort_on_error=1",
      UBSAN_OPTIONS: "print_stacktrace=1:halt_on_error=1",
      CONFAB_NATIVE_ADDON: join(root, "build", "asan", "confab_native.node"),
      CONFAB_NATIVE_REQUIRED: "1",
    },
  },
);
console.log(`@confab/native: sanitizer run ${run.status === 0 ? "passed" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(run.status ?? 1);
