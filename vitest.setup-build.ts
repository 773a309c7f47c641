import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Builds the packages before any test runs: SFU worker threads and the bots load compiled
 * code from dist/, which must be the current source, never a stale build (tsc -b does nothing
 * when dist/ is up to date).
 */
export default function setup(): void {
  const root = fileURLToPath(new URL(".", import.meta.url));
  const tsc = fileURLToPath(new URL("./node_modules/typescript/bin/tsc", import.meta.url));
  // The native addon too, when its C source changed since it was built (one line if it cannot be).
  execFileSync(process.execPath, ["packages/native/scripts/build.mjs", "--if-stale"], { cwd: root, stdio: "inherit" });
  execFileSync(process.execPath, [tsc, "-b", "packages/server", "packages/client", "packages/bots"], { cwd: root, stdio: "inherit" });
}
