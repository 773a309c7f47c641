import { ErrorCode } from "@confab/protocol";
import { UserError } from "../errors.js";
import { verifyPassword } from "./password.js";

/** Password checks running at once per thread: each costs ~0.3 s of scrypt on a libuv thread. */
const MAX_RUNNING = 2;
/** Checks that may wait for a slot; more are refused at once (a flood, not a person). */
const MAX_WAITING = 64;

let running = 0;
const waiting: (() => void)[] = [];

/**
 * Verifies a password against a stored scrypt hash with bounded concurrency, so a flood of
 * guesses spread over many rooms and addresses (each already rate-limited) cannot occupy every
 * libuv thread or queue unbounded work. Refuses with RATE_LIMITED when the queue is full.
 */
export async function checkPassword(password: string, encoded: string): Promise<boolean> {
  if (running >= MAX_RUNNING) {
    if (waiting.length >= MAX_WAITING) throw new UserError(ErrorCode.RATE_LIMITED, "too many password checks right now; try again shortly");
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running++;
  }
  try {
    return await verifyPassword(password, encoded);
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}
