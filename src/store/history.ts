import { and, desc, eq, gte, inArray, lt, type SQL } from "drizzle-orm";
import type { Db } from "./db";
import { olderThan, type Position, pageOf, positionAt } from "./paging";
import { type DeliveryStatus, deliveries, deliveryAttempts, events, webhooks } from "./schema";

// The deliveries as the API shows them: newest first, per webhook or across webhooks, one with
// its attempts, and those of one event.

const deliveryColumns = {
  id: deliveries.id,
  webhookId: deliveries.webhookId,
  webhookName: webhooks.name,
  eventId: events.id,
  eventSource: events.source,
  eventType: events.type,
  status: deliveries.status,
  attempt: deliveries.attempt,
  statusCode: deliveries.statusCode,
  success: deliveries.success,
  error: deliveries.error,
  durationMs: deliveries.durationMs,
  responseExcerpt: deliveries.responseExcerpt,
  warnings: deliveries.warnings,
  isTest: deliveries.isTest,
  dedupKey: deliveries.dedupKey,
  suppressedBefore: deliveries.suppressedBefore,
  reportedBy: deliveries.reportedBy,
  createdAt: deliveries.createdAt,
  updatedAt: deliveries.updatedAt,
  nextAttemptAt: deliveries.nextAttemptAt,
};
export type DeliveryView = Awaited<ReturnType<typeof listDeliveries>>[number];

/** Which deliveries a list (or a bulk retry) is about; every field narrows it. */
export interface DeliveryFilters {
  webhookId?: string;
  statuses?: DeliveryStatus[];
  /** The event's type, exactly. */
  eventType?: string;
  /** Created at or after. */
  since?: Date;
  /** Created before. */
  until?: Date;
}

/** The filters as conditions on `deliveries` joined with `events`. */
export function deliveryConditions(filters: DeliveryFilters): SQL[] {
  const conditions: SQL[] = [];
  if (filters.webhookId) conditions.push(eq(deliveries.webhookId, filters.webhookId));
  if (filters.statuses?.length) conditions.push(inArray(deliveries.status, filters.statuses));
  if (filters.eventType !== undefined) conditions.push(eq(events.type, filters.eventType));
  if (filters.since) conditions.push(gte(deliveries.createdAt, filters.since));
  if (filters.until) conditions.push(lt(deliveries.createdAt, filters.until));
  return conditions;
}

function selectDeliveries() {
  return { ...deliveryColumns, position: positionAt(deliveries.createdAt) };
}

function fromDeliveries(db: Db) {
  return db
    .select(selectDeliveries())
    .from(deliveries)
    .innerJoin(events, eq(events.key, deliveries.eventKey))
    .innerJoin(webhooks, eq(webhooks.id, deliveries.webhookId));
}

export function listDeliveries(db: Db, webhookId: string, limit: number) {
  return fromDeliveries(db)
    .where(eq(deliveries.webhookId, webhookId))
    .orderBy(desc(deliveries.createdAt), desc(deliveries.id))
    .limit(limit);
}

/** One page of the deliveries `filters` match, newest first, after `after` when given. */
export async function listDeliveryPage(
  db: Db,
  filters: DeliveryFilters,
  after: Position | undefined,
  limit: number,
) {
  const conditions = deliveryConditions(filters);
  if (after) conditions.push(olderThan(deliveries.createdAt, deliveries.id, after, "uuid"));
  const rows = await fromDeliveries(db)
    .where(and(...conditions))
    .orderBy(desc(deliveries.createdAt), desc(deliveries.id))
    .limit(limit + 1);
  return pageOf(rows, limit, (row) => row.id);
}

/** The deliveries of one event (its fan-out), oldest first, at most `limit`. */
export function listDeliveriesOfEvent(db: Db, eventKey: number, limit: number) {
  return fromDeliveries(db)
    .where(eq(deliveries.eventKey, eventKey))
    .orderBy(deliveries.createdAt, deliveries.id)
    .limit(limit);
}

export async function getDelivery(db: Db, id: string) {
  const [row] = await fromDeliveries(db).where(eq(deliveries.id, id));
  if (!row) return undefined;
  const attempts = await db
    .select()
    .from(deliveryAttempts)
    .where(eq(deliveryAttempts.deliveryId, id))
    .orderBy(deliveryAttempts.attempt, deliveryAttempts.id);
  return { ...row, attempts };
}
