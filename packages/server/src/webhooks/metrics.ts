import { Counter, Gauge, type Registry } from "prom-client";
import type { Webhooks } from "./Webhooks.js";

/** Adds the webhook counters to the server's Prometheus registry (read at scrape time). */
export function registerWebhookMetrics(registry: Registry, webhooks: Webhooks): void {
  const counter = (name: string, help: string, read: () => number) => {
    let last = 0;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const v = read();
        this.inc(v - last);
        last = v;
      },
    });
  };
  counter("confab_webhooks_delivered_total", "Webhook events a receiver accepted (2xx)", () => webhooks.counters.delivered);
  counter("confab_webhooks_failed_total", "Webhook events given up after their last attempt or a permanent refusal", () => webhooks.counters.failed);
  counter("confab_webhooks_dropped_total", "Webhook events dropped unsent because a receiver's queue was full", () => webhooks.counters.dropped);
  counter("confab_webhooks_retries_total", "Webhook attempts after the first", () => webhooks.counters.retries);
  new Gauge({
    name: "confab_webhooks_queued",
    help: "Webhook events waiting to be sent, all receivers",
    registers: [registry],
    collect() {
      this.set(webhooks.queued);
    },
  });
}
