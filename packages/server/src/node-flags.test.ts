import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SERVER_ENV_WORDS, SERVER_NODE_FLAGS } from "./node-flags.js";

describe("server node flags", () => {
  it("npm start runs the server with the same V8 flags and environment as the benchmarks and E2E tests", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toContain(`${SERVER_ENV_WORDS.join(" ")} node ${SERVER_NODE_FLAGS.join(" ")} packages/server/dist/main.js`);
  });
});
