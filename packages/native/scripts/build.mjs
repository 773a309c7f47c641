#!/usr/bin/env node
/**
 * Builds the addon with one compiler call, offline: Node-API headers from the npm package
 * `node-api-headers`, OpenSSL from the node binary itself (no -lcrypto; docs/decisions/0008).
 * Run by `npm install` (this package's install script). A missing compiler or a failed build
 * never fails the installation: it prints one line and the server uses the TypeScript path.
 *
 *   node scripts/build.mjs          → build/confab_native.node (-O2)
 *   node scripts/build.mjs --if-stale → the same, only when that file is missing or older than
 *                                     its source (`npm run build` runs this: a pulled change to
 *                                     the C file is built without another `npm install`)
 *   node scripts/build.mjs --asan   → build/asan/confab_native.node (-fsanitize=address,undefined;
 *                                     exits non-zero on failure)
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const asan = process.argv.includes("--asan");
const outDir = asan ? join(root, "build", "asan") : join(root, "build");
const out = join(outDir, "confab_native.node");
const compiler = process.env.CC || "cc";
const source = join(root, "src", "confab_native.c");

/** Whether `out` exists and is newer than the C source and this script. */
function upToDate() {
  try {
    const built = statSync(out).mtimeMs;
    return built >= statSync(source).mtimeMs && built >= statSync(fileURLToPath(import.meta.url)).mtimeMs;
  } catch {
    return false;
  }
}

function build() {
  if (process.platform !== "linux") throw new Error(`sendmmsg(2) is Linux-only (this is ${process.platform})`);
  const include = createRequire(import.meta.url)("node-api-headers").include_dir;
  // -Werror only for the sanitizer build (a test): another compiler's new warning must not
  // cost a user's install the native path.
  const flags = asan
    ? ["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-Werror"]
    : ["-O2"];
  mkdirSync(outDir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  // Undefined napi_* and EVP_* symbols are resolved against the node binary when it loads the addon.
  execFileSync(
    compiler,
    [...flags, "-std=c11", "-Wall", "-Wextra", "-fPIC", "-shared", "-fvisibility=hidden",
      "-I", include, source, "-o", tmp],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  renameSync(tmp, out); // atomic: a running server keeps the file it loaded
}

if (!asan && process.argv.includes("--if-stale") && upToDate()) process.exit(0);
try {
  build();
  console.log(`@confab/native: built ${out}`);
} catch (error) {
  rmSync(`${out}.${process.pid}.tmp`, { force: true });
  const reason =
    error?.code === "ENOENT" ? `no C compiler: ${compiler} not found` : error instanceof Error ? error.message.split("\n")[0] : String(error);
  console.log(`@confab/native: not built (${reason}); the server will use the TypeScript path`);
  if (asan) process.exitCode = 1;
}
