import { sql } from "drizzle-orm";
import type { HeraldEvent } from "../../src/events/event";
import type { Db } from "../../src/store/db";
import { insertWebhook } from "../../src/store/webhooks";
import { inputToRow, webhookInputSchema } from "../../src/webhooks/schema";

/** Engine settings for suites that drive a delivery engine themselves: quick polls and retries. */
export function testEngineSettings(workerId: string) {
  return {
    workerId,
    concurrency: 50,
    claimBatch: 20,
    pollIntervalMs: 20,
    leaseMs: 1000,
    failureThreshold: 0,
    maxDeliveryAgeMs: 0,
    retryPolicy: { scheduleSeconds: [0.05], retryAfterMaxSeconds: 1, jitter: 0 },
  };
}

/** `count` events for an engine's suite to ingest, their ids `prefix` followed by 0, 1, 2… */
export function engineTestEvents(count: number, prefix: string, source: string): HeraldEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${i}`,
    type: "hit",
    source,
    time: new Date().toISOString(),
    severity: "high" as const,
    title: "t",
    subject: null,
    data: { i },
  }));
}

/** Stores a webhook to `url` with `settings` over the defaults, as the API would; answers its id. */
export async function insertTestWebhook(db: Db, url: string, settings: Record<string, unknown> = {}) {
  const input = webhookInputSchema.parse({ name: "w", url, ...settings });
  return (await insertWebhook(db, inputToRow(input))).id;
}

/** What a claim by a process with nothing in flight passes to claimDueDeliveries. */
export function testClaimLimits(limit: number, leaseMs: number, workerId: string) {
  return {
    limit,
    leaseMs,
    workerId,
    requestsHeld: new Map(),
    maxClaimAhead: 1,
    eventsPerRequest: {},
    digestSenders: { formats: [], kinds: [] },
  };
}

/**
 * `count` deliveries to `webhookId` already delivered, each with an event of its own (ids `prefix`
 * followed by 1, 2…), stored by one statement: a large store in a moment.
 */
export async function storeDeliveredDeliveries(db: Db, webhookId: string, count: number, prefix: string) {
  await db.execute(sql`
    with e as (
      insert into events (id, source, type, time, severity, title, data)
      select ${prefix} || i, 'stored-delivered', 'hit', now(), 'low', 't', '{}'::json
      from generate_series(1, ${count}::int) i
      returning key)
    insert into deliveries (webhook_id, event_key, status, attempt) select ${webhookId}::uuid, key, 'delivered', 1 from e`);
}

/**
 * Keeps autovacuum off the tables a test store's rows go to (a test of query plans or of the
 * statistics Herald gathers would otherwise depend on when autovacuum's analyze comes by).
 */
export async function keepAutovacuumAway(db: Db) {
  for (const table of ["events", "deliveries_default", "delivery_attempts_default"]) {
    await db.execute(sql.raw(`alter table ${table} set (autovacuum_enabled = false)`));
  }
}
