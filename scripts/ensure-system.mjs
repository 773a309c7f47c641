#!/usr/bin/env node
// Makes sure the Debian packages the tests drive are here before `npm test` runs them: when
// missing, installs them as root (apt-get), or stops at once with one line saying what to run.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** command → Debian package that provides it. */
const NEEDED = [
  ["chromium", "chromium"],
  // The Firefox E2E tests drive Debian's firefox-esr; its screen share runs headed on Xvfb.
  ["firefox-esr", "firefox-esr"],
  ["Xvfb", "xvfb"],
  ["ffmpeg", "ffmpeg"],
  ["ffprobe", "ffmpeg"],
  // The bad-network E2E test makes network namespaces (ip) and runs a link emulator (python3).
  ["ip", "iproute2"],
  ["python3", "python3"],
  // The TURN tests run a real coturn from deploy/coturn/turnserver.conf; nft drops UDP in the
  // E2E test's namespace; openssl makes coturn's test certificate.
  ["turnserver", "coturn"],
  ["nft", "nftables"],
  ["openssl", "openssl"],
  // The reverse-proxy E2E test runs Debian's nginx with deploy/nginx/confab.conf.
  ["nginx", "nginx"],
];

// /usr/sbin (nginx) is not on a normal user's PATH.
const has = (command) => spawnSync("sh", ["-c", `command -v ${command} || test -x /usr/sbin/${command}`], { stdio: "ignore" }).status === 0;
const missing = [...new Set(NEEDED.filter(([command]) => !has(command)).map(([, pkg]) => pkg))];
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
if (!isRoot || !existsSync("/usr/bin/apt-get")) {
  console.error(`npm test needs Debian packages that are missing; run: sudo apt-get install -y ${missing.join(" ")} fonts-dejavu-core`);
  process.exit(1);
}
console.error(`npm test: installing ${missing.join(" ")} (apt-get)`);
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing, "fonts-dejavu-core"], { stdio: ["ignore", "ignore", "inherit"], env });
