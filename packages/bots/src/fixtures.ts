import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Where `scripts/media-fixtures.mjs` puts the bots' media (`CONFAB_FIXTURES` overrides). */
export function fixturesDir(): string {
  if (process.env.CONFAB_FIXTURES) return resolve(process.env.CONFAB_FIXTURES);
  // packages/bots/{src,dist}/fixtures.* → repository root
  return join(resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", ".."), ".fixtures");
}

/** The path of one fixture file. */
export function fixturePath(name: "video.ivf" | "audio.ogg" | "video-q.ivf" | "video-h.ivf" | "video-f.ivf"): string {
  return join(fixturesDir(), name);
}
