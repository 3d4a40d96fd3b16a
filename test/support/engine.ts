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
