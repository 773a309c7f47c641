import { loadNative, type NativeAddon } from "@confab/native";
import type { FastPathMode } from "../../config/config.js";
import { SendBatch } from "./SendBatch.js";
import { installNativeOpen } from "./SrtpOpen.js";

/** Which per-packet path this process uses, and why (logged at start, exported in /metrics). */
export interface FastPathInfo {
  path: "native" | "js";
  /** e.g. `FASTPATH=js`, or why the addon did not load. */
  reason: string;
}

/** The native path of one thread: the addon and the thread's send batch. */
export interface NativePath {
  addon: NativeAddon;
  batch: SendBatch;
}

let native: NativePath | undefined;
let chosen: FastPathInfo | undefined;

/**
 * Decides the per-packet path for `mode` (docs/decisions/0008): the native addon when asked
 * for and loadable, else TypeScript. Pure apart from loading the addon; every thread that
 * decides with the same mode and files gets the same answer.
 */
export function describeFastPath(mode: FastPathMode): FastPathInfo {
  if (mode === "js") return { path: "js", reason: "FASTPATH=js" };
  const load = loadNative();
  return load.addon ? { path: "native", reason: `addon ${load.path}` } : { path: "js", reason: load.reason };
}

/**
 * Chooses this thread's path once (later calls keep the first choice) and returns it: on the
 * native path, subscribers' packets are sealed and sent by the addon (SrtpGcm, DirectSend) and
 * every DTLS transport opens its SRTP with it (SrtpOpen). Call before the first peer
 * connection of the thread.
 */
export function selectFastPath(mode: FastPathMode): FastPathInfo {
  if (chosen) return chosen;
  chosen = describeFastPath(mode);
  const load = chosen.path === "native" ? loadNative() : undefined;
  native = load?.addon ? { addon: load.addon, batch: new SendBatch(load.addon) } : undefined;
  if (native) installNativeOpen(native.addon);
  return chosen;
}

/** This thread's native path, or undefined on the TypeScript path (or before selection). */
export function nativePath(): NativePath | undefined {
  return native;
}
