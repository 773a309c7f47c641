import type { Logger } from "pino";
import type { RoomEvent } from "../room/RoomEvents.js";
import { webhookAuthorization } from "./signature.js";
import { webhookBody } from "./WebhookBody.js";
import { WebhookTarget, type WebhookCounters, type WebhookDelivery } from "./WebhookTarget.js";

/**
 * The server's webhooks (`WEBHOOK_URLS`): every room event, from this thread and from the SFU
 * workers, becomes one signed JSON body sent to each receiver through its own queue, so a slow
 * receiver delays only itself. {@link emit} never waits: media and signaling go on whatever
 * the receivers do.
 */
export class Webhooks {
  readonly counters: WebhookCounters = { delivered: 0, failed: 0, dropped: 0, retries: 0 };
  private readonly targets: WebhookTarget[];
  private closed = false;

  constructor(
    urls: readonly string[],
    private readonly secret: string,
    delivery: WebhookDelivery,
    private readonly log: Logger,
    userAgent: string,
    send: typeof fetch = fetch,
  ) {
    this.targets = urls.map((url) => new WebhookTarget(url, delivery, this.counters, log, userAgent, send));
  }

  /** Events waiting in all queues. */
  get queued(): number {
    return this.targets.reduce((n, t) => n + t.queued, 0);
  }

  /** Signs `event` and queues it for every receiver; returns at once. */
  emit(event: RoomEvent): void {
    if (this.closed || this.targets.length === 0) return;
    const body = webhookBody(event);
    const json = JSON.stringify(body);
    const signed = { id: body.id, event: body.event, body: json, authorization: webhookAuthorization(json, this.secret) };
    this.log.debug({ id: body.id, event: body.event, room: event.room }, "webhook queued");
    for (const target of this.targets) target.push(signed);
  }

  /** Stops taking events; what is queued gets up to `graceMs` to go out. Idempotent. */
  async close(graceMs = 2000): Promise<void> {
    this.closed = true;
    await Promise.all(this.targets.map((t) => t.close(graceMs)));
  }
}
