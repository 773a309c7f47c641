import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "../support/test.js";

/**
 * The suite runs on the per-packet path `FASTPATH` asks for: the native addon by default when
 * `npm install` built it, the TypeScript path with `FASTPATH=js` (docs/decisions/0008). Every
 * other spec then exercises that path; this one makes a run on the wrong path fail.
 */
test("the E2E server forwards media on the per-packet path FASTPATH asks for (native when the addon is built)", async ({ request }) => {
  const built = existsSync(fileURLToPath(new URL("../../packages/native/build/confab_native.node", import.meta.url)));
  const expected = process.env.FASTPATH === "js" || !built ? "js" : "native";
  const metrics = await (await request.get("/metrics")).text();
  expect(/^confab_fastpath_info\{path="(\w+)"\} 1$/m.exec(metrics)?.[1]).toBe(expected);
});
