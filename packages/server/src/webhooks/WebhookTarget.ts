import type { Logger } from "pino";

/** How webhook requests are sent and retried (the `webhooks` part of the config). */
export interface WebhookDelivery {
  /** Each request is given up after this long, ms (a receiver that hangs costs no more). */
  timeoutMs: number;
  /** Attempts per event, the first included; then the event is dropped and counted as failed. */
  maxAttempts: number;
  /** Wait before the first retry, ms; doubled for each further one. */
  retryBaseMs: number;
  /** Longest wait between two attempts, ms. */
  retryMaxMs: number;
  /** Events waiting per receiver at most; when full the oldest is dropped (counted, logged). */
  queueSize: number;
}

/** Counters shared by every receiver's queue (the metrics read them). */
export interface WebhookCounters {
  /** Events a receiver accepted (2xx). */
  delivered: number;
  /** Events given up: attempts used up, or refused for good (a 4xx other than 408 and 429). */
  failed: number;
  /** Events dropped unsent because a receiver's queue was full. */
  dropped: number;
  /** Attempts after the first. */
  retries: number;
}

/** One signed event, ready to send. */
export interface SignedEvent {
  id: string;
  event: string;
  body: string;
  authorization: string;
}

/** A status worth trying again: the receiver's fault or a passing condition (RFC 9110 §15). */
function retryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/**
 * One receiver URL: a bounded queue of events sent one at a time, in order, each retried with
 * exponential backoff (plus up to 20 % jitter) a bounded number of times, each request under a
 * timeout. Nothing here is awaited by the rooms: {@link push} returns at once.
 */
export class WebhookTarget {
  private readonly queue: SignedEvent[] = [];
  private running = false;
  private closed = false;
  /** Aborts the request or the backoff wait under way (on close). */
  private readonly stop = new AbortController();
  private idle: Promise<void> = Promise.resolve();

  constructor(
    readonly url: string,
    private readonly delivery: WebhookDelivery,
    private readonly counters: WebhookCounters,
    private readonly log: Logger,
    private readonly userAgent: string,
    private readonly send: typeof fetch = fetch,
  ) {}

  /** Events waiting (not counting one being sent). */
  get queued(): number {
    return this.queue.length;
  }

  /** Queues an event; when the queue is full the oldest waiting one is dropped. */
  push(event: SignedEvent): void {
    if (this.closed) return;
    if (this.queue.length >= this.delivery.queueSize) {
      const dropped = this.queue.shift()!;
      this.counters.dropped++;
      this.log.warn({ url: this.url, id: dropped.id, event: dropped.event, queueSize: this.delivery.queueSize }, "webhook queue full: dropped the oldest event");
    }
    this.queue.push(event);
    if (!this.running) {
      this.running = true;
      this.idle = this.run().finally(() => (this.running = false));
    }
  }

  /**
   * Stops taking events and lets the queue drain for up to `graceMs`; then aborts what is
   * under way and drops the rest (logged). Idempotent.
   */
  async close(graceMs: number): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([this.idle, late]);
      clearTimeout(timer);
      if (this.queue.length > 0 || this.running) {
        this.log.warn({ url: this.url, unsent: this.queue.length + (this.running ? 1 : 0) }, "webhooks not delivered before shutdown");
      }
      this.queue.length = 0;
      this.stop.abort();
    }
    await this.idle;
  }

  private async run(): Promise<void> {
    for (let next = this.queue.shift(); next && !this.stop.signal.aborted; next = this.queue.shift()) {
      await this.deliver(next);
    }
  }

  /** Sends one event until it is accepted, refused for good, or out of attempts. */
  private async deliver(event: SignedEvent): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(event);
      if (outcome === "delivered") {
        this.counters.delivered++;
        return;
      }
      if (this.stop.signal.aborted) return;
      if (outcome.final || attempt >= this.delivery.maxAttempts) {
        this.counters.failed++;
        this.log.warn({ url: this.url, id: event.id, event: event.event, attempts: attempt, error: outcome.error }, "webhook not delivered; giving up");
        return;
      }
      this.counters.retries++;
      const backoff = Math.min(this.delivery.retryMaxMs, this.delivery.retryBaseMs * 2 ** (attempt - 1));
      await this.wait(backoff * (1 + Math.random() * 0.2));
      if (this.stop.signal.aborted) return;
    }
  }

  private async attempt(event: SignedEvent): Promise<"delivered" | { final: boolean; error: string }> {
    try {
      const response = await this.send(this.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: event.authorization, "user-agent": this.userAgent },
        body: event.body,
        // A redirect is not followed: the operator named this URL, not wherever it points.
        redirect: "manual",
        signal: AbortSignal.any([AbortSignal.timeout(this.delivery.timeoutMs), this.stop.signal]),
      });
      // The answer's body is not wanted; release the connection.
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return "delivered";
      return { final: !retryable(response.status), error: `HTTP ${response.status}` };
    } catch (error) {
      const name = (error as Error).name;
      return { final: false, error: name === "TimeoutError" ? `no answer within ${this.delivery.timeoutMs} ms` : (error as Error).message };
    }
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const signal = this.stop.signal;
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    });
  }
}
