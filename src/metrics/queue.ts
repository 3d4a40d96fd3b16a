import { Gauge, type Registry } from "prom-client";
import type { Db } from "../store/db";
import { type QueueStat, queueStats } from "../store/queue-stats";
import { sharedRead } from "./scrape";

/** The most webhook × state series the queue gauges report (the deepest queues first). */
export const MAX_QUEUE_SERIES = 1000;

/**
 * herald_queue_depth and herald_queue_oldest_age_seconds, computed when scraped by one query
 * shared by both gauges. Webhooks with nothing queued have no series. A failed query leaves
 * both empty for that scrape and is reported to `onError`.
 */
export function registerQueueGauges(registry: Registry, db: Db, onError: (error: unknown) => void) {
  const stats = sharedRead(() => queueStats(db, MAX_QUEUE_SERIES), [] as QueueStat[], onError);
  const gauge = (name: string, help: string, value: (stat: QueueStat) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["webhook", "status"] as const,
      registers: [registry],
      async collect() {
        const rows = await stats();
        this.reset();
        for (const row of rows) this.set({ webhook: row.webhookId, status: row.status }, value(row));
      },
    });
  gauge(
    "herald_queue_depth",
    "Deliveries waiting (pending or retrying, in flight included) by webhook id and status",
    (row) => row.depth,
  );
  gauge(
    "herald_queue_oldest_age_seconds",
    "Age of the oldest waiting delivery (since its event arrived) by webhook id and status",
    (row) => row.oldestAgeSeconds,
  );
}
