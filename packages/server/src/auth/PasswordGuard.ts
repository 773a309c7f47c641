import { isIPv6 } from "node:net";
import { AttemptLimiter } from "./AttemptLimiter.js";

/** Burst and steady rate of one limit. */
export interface AttemptRate {
  burst: number;
  refillPerMinute: number;
}

/** Settings of a {@link PasswordGuard}; every field has a default. */
export interface PasswordGuardOptions {
  /** Per client address (default 5 at once, then 5 per minute). */
  perAddress?: AttemptRate;
  /**
   * Per room, whoever guesses (default 20 at once, then 20 per minute). This is the limit that
   * holds against guessing spread over many addresses.
   */
  perRoom?: AttemptRate;
  /** Most addresses and rooms remembered, each (default 100 000). */
  maxKeys?: number;
  /** Clock in ms (default `Date.now`). */
  now?: () => number;
}

/** Default per-address limit: 5 attempts at once, then 5 per minute. */
export const DEFAULT_ADDRESS_RATE: AttemptRate = { burst: 5, refillPerMinute: 5 };
/** Default per-room limit: 20 attempts at once, then 20 per minute. */
export const DEFAULT_ROOM_RATE: AttemptRate = { burst: 20, refillPerMinute: 20 };

/** Expands an IPv6 address to its 8 groups, or undefined when it is not one. */
function ipv6Groups(address: string): number[] | undefined {
  if (!isIPv6(address)) return undefined;
  let text = address.split("%")[0]!;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const parse = (s: string): number[] => (s === "" ? [] : s.split(":").map((g) => parseInt(g, 16)));
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}

/**
 * The key an address is limited under: IPv4 as is (also when IPv4-mapped, `::ffff:1.2.3.4`),
 * IPv6 by its /64 prefix, since one host usually holds a whole /64 and could otherwise rotate
 * through 2^64 addresses.
 */
export function addressKey(address: string): string {
  const g = ipv6Groups(address);
  if (!g) return address;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  }
  return g.slice(0, 4).map((x) => x.toString(16)).join(":") + "::/64";
}

/**
 * Rate-limits room password attempts, per client address and per room. The caller asks
 * {@link check} BEFORE verifying a password: while limited, even the right password is
 * refused, so a guesser learns nothing from the answer.
 */
export class PasswordGuard {
  readonly #byAddress: AttemptLimiter;
  readonly #byRoom: AttemptLimiter;

  constructor(options: PasswordGuardOptions = {}) {
    const common = { maxKeys: options.maxKeys ?? 100_000, ...(options.now ? { now: options.now } : {}) };
    this.#byAddress = new AttemptLimiter({ ...(options.perAddress ?? DEFAULT_ADDRESS_RATE), ...common });
    this.#byRoom = new AttemptLimiter({ ...(options.perRoom ?? DEFAULT_ROOM_RATE), ...common });
  }

  /**
   * Takes one attempt from both the address's and the room's budget, or from neither when
   * either is spent; then says how long to wait before the next try.
   */
  check(address: string, room: string): { ok: true } | { ok: false; retryAfterMs: number } {
    const key = addressKey(address);
    const retryAfterMs = Math.max(this.#byAddress.retryAfterMs(key), this.#byRoom.retryAfterMs(room));
    if (retryAfterMs > 0) return { ok: false, retryAfterMs };
    this.#byAddress.consume(key);
    this.#byRoom.consume(room);
    return { ok: true };
  }

  /**
   * Records a correct password. Deliberately refunds nothing: a success does not buy more
   * guesses, and people who know the password rarely retry.
   */
  succeeded(_address: string, _room: string): void {}

  /** Addresses and rooms currently remembered (for tests and metrics). */
  get size(): { addresses: number; rooms: number } {
    return { addresses: this.#byAddress.size, rooms: this.#byRoom.size };
  }
}
