/** Settings of an {@link AttemptLimiter}. */
export interface AttemptLimiterOptions {
  /** Attempts a fresh key may make at once. */
  burst: number;
  /** Attempts given back per minute, continuously (one every 60 000 / refillPerMinute ms). */
  refillPerMinute: number;
  /**
   * Most keys remembered (default 100 000, ~10 MiB). Past it the least recently used key is
   * forgotten, which gives it a full bucket again: memory stays bounded under a flood of
   * distinct keys, at the price of that key's history.
   */
  maxKeys?: number;
  /** Clock in ms (default `Date.now`); tests pass a fake one. */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per key (client address, room…) with bounded memory. A key that is not
 * remembered has a full bucket, so buckets that refilled are simply dropped.
 */
export class AttemptLimiter {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  /** Insertion order is recency order: a touched key is moved to the end. */
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: AttemptLimiterOptions) {
    if (!(options.burst >= 1) || !(options.refillPerMinute > 0)) {
      throw new RangeError("burst must be >= 1 and refillPerMinute > 0");
    }
    this.#burst = options.burst;
    this.#perMs = options.refillPerMinute / 60_000;
    this.#maxKeys = Math.max(1, options.maxKeys ?? 100_000);
    this.#now = options.now ?? Date.now;
  }

  /** Keys currently remembered (at most `maxKeys`). */
  get size(): number {
    return this.#buckets.size;
  }

  /** Tokens `key` has now, refilled; drops the bucket when it is full again. */
  #tokens(key: string, now: number): number {
    const b = this.#buckets.get(key);
    if (!b) return this.#burst;
    const tokens = Math.min(this.#burst, b.tokens + (now - b.at) * this.#perMs);
    if (tokens >= this.#burst) {
      this.#buckets.delete(key);
      return this.#burst;
    }
    return tokens;
  }

  /** Milliseconds until `key` may make an attempt; 0 when it may now. Consumes nothing. */
  retryAfterMs(key: string): number {
    const tokens = this.#tokens(key, this.#now());
    return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / this.#perMs);
  }

  /** Takes one attempt for `key` if it has one; returns whether it did. */
  consume(key: string): boolean {
    const now = this.#now();
    const tokens = this.#tokens(key, now);
    if (tokens < 1) return false;
    this.#buckets.delete(key);
    if (this.#buckets.size >= this.#maxKeys) {
      // The oldest entry is the least recently used one, the likeliest to have refilled.
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    this.#buckets.set(key, { tokens: tokens - 1, at: now });
    return true;
  }

  /** Forgets `key` (a full bucket again). */
  reset(key: string): void {
    this.#buckets.delete(key);
  }
}
