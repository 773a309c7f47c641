import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Before any test runs: builds the packages (SFU worker threads and the bots load compiled
 * code from dist/, which must be the current source, never a stale build; tsc -b does nothing
 * when dist/ is up to date), and makes the media the bots publish (scripts/media-fixtures.mjs,
 * idempotent), so no test file depends on another having run first.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL(".", import.meta.url));
  const tsc = fileURLToPath(new URL("./node_modules/typescript/bin/tsc", import.meta.url));
  // The native addon too, when its C source changed since it was built (one line if it cannot be).
  execFileSync(process.execPath, ["packages/native/scripts/build.mjs", "--if-stale"], { cwd: root, stdio: "inherit" });
  execFileSync(process.execPath, [tsc, "-b", "packages/server", "packages/client", "packages/bots"], { cwd: root, stdio: "inherit" });
  execFileSync(process.execPath, [fileURLToPath(new URL("./scripts/media-fixtures.mjs", import.meta.url))], { cwd: root, stdio: "inherit" });
}
