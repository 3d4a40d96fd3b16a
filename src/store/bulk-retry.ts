import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "./db";
import { type DeliveryFilters, deliveryConditions } from "./history";
import { deliveries, events, webhooks } from "./schema";

/** The states a bulk retry takes deliveries from: those that will not be tried again by themselves. */
export const BULK_RETRY_STATUSES = ["dead", "discarded"] as const;
export type BulkRetryStatus = (typeof BULK_RETRY_STATUSES)[number];

/**
 * Makes due now, under the same webhook-id, at most `cap` of the dead or discarded deliveries
 * `filters` match (newest first), as a retry of each would. Test deliveries, and deliveries of
 * inactive webhooks (which would only wait in the queue), are left as they are. Answers how many
 * were queued and whether more match.
 */
export async function retryMatchingDeliveries(
  db: Db,
  filters: DeliveryFilters & { statuses: BulkRetryStatus[] },
  cap: number,
): Promise<{ queued: number; more: boolean }> {
  const matching = await db
    .select({ id: deliveries.id })
    .from(deliveries)
    .innerJoin(events, eq(events.key, deliveries.eventKey))
    .innerJoin(webhooks, eq(webhooks.id, deliveries.webhookId))
    .where(and(...deliveryConditions(filters), eq(webhooks.isActive, true), eq(deliveries.isTest, false)))
    .orderBy(desc(deliveries.createdAt), desc(deliveries.id))
    .limit(cap + 1);
  const ids = matching.slice(0, cap).map((row) => row.id);
  if (ids.length === 0) return { queued: 0, more: false };
  // The state is checked again: a delivery retried meanwhile is not queued twice.
  const queued = await db
    .update(deliveries)
    .set({ status: "pending", nextAttemptAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(inArray(deliveries.id, ids), inArray(deliveries.status, filters.statuses)))
    .returning({ id: deliveries.id });
  return { queued: queued.length, more: matching.length > cap };
}
