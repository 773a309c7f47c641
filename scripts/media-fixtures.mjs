#!/usr/bin/env node
// Generates the media the bots publish (not committed: made with Debian's ffmpeg on demand):
//   .fixtures/video.ivf  VP8, 640x360, 30 fps, 10 s moving test pattern, keyframe every 2 s
//   .fixtures/audio.ogg  Opus, 48 kHz mono, 20 ms frames, 10 s 440 Hz tone
//   .fixtures/video-{q,h,f}.ivf  the three simulcast layers bots publish: VP8 320x180 at
//                        150 kbit/s, 640x360 at 500 kbit/s, 1280x720 at 1.5 Mbit/s (as a browser
//                        sends a 720p camera), 30 fps, 10 s, keyframe every 2 s
// Idempotent: existing files are kept. CONFAB_FIXTURES overrides the directory.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dir = resolve(process.env.CONFAB_FIXTURES ?? join(root, ".fixtures"));

/** One simulcast layer: the same moving pattern at a browser's size and bitrate for it. */
const layer = (size, bitrate) => [
  "-f", "lavfi", "-i", `testsrc2=size=${size}:rate=30`,
  "-t", "10", "-pix_fmt", "yuv420p",
  "-c:v", "libvpx", "-b:v", bitrate, "-maxrate", bitrate, "-bufsize", bitrate,
  "-deadline", "realtime", "-cpu-used", "8",
  "-g", "60", "-keyint_min", "60", "-auto-alt-ref", "0", "-lag-in-frames", "0", "-error-resilient", "1",
  "-f", "ivf",
];

const outputs = {
  "video-q.ivf": layer("320x180", "150k"),
  "video-h.ivf": layer("640x360", "500k"),
  "video-f.ivf": layer("1280x720", "1500k"),
  "video.ivf": [
    "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
    "-t", "10", "-pix_fmt", "yuv420p",
    "-c:v", "libvpx", "-b:v", "700k", "-deadline", "realtime", "-cpu-used", "8",
    "-g", "60", "-keyint_min", "60", "-auto-alt-ref", "0", "-lag-in-frames", "0", "-error-resilient", "1",
    "-f", "ivf",
  ],
  "audio.ogg": [
    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
    "-t", "10", "-ac", "1",
    "-c:a", "libopus", "-b:a", "32k", "-frame_duration", "20", "-application", "voip",
    "-f", "ogg",
  ],
};

function haveFfmpeg() {
  try {
    execFileSync("ffmpeg", ["-version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

mkdirSync(dir, { recursive: true });
const missing = Object.keys(outputs).filter((name) => {
  const path = join(dir, name);
  return !existsSync(path) || statSync(path).size === 0;
});
if (missing.length === 0) {
  console.log(`media fixtures: up to date in ${dir}`);
  process.exit(0);
}
if (!haveFfmpeg()) {
  console.error("media fixtures: ffmpeg is not installed (Debian: apt-get install ffmpeg)");
  process.exit(1);
}
for (const name of missing) {
  const path = join(dir, name);
  const partial = `${path}.partial`;
  execFileSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", ...outputs[name], partial], { stdio: "inherit" });
  renameSync(partial, path);
  console.log(`media fixtures: wrote ${path} (${statSync(path).size} bytes)`);
}
