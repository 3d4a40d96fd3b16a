import { and, desc, eq, gte, lt, type SQL } from "drizzle-orm";
import type { Db } from "./db";
import { olderThan, type Position, pageOf, positionAt } from "./paging";
import { events } from "./schema";

// The stored events as the API shows them: a newest-first list (without `data`, which may be
// a megabyte each), and one event by its id.

/** Which events a list is about; every field narrows it. */
export interface EventFilters {
  type?: string;
  source?: string;
  /** Received at or after. */
  since?: Date;
  /** Received before. */
  until?: Date;
}

const summaryColumns = {
  key: events.key,
  id: events.id,
  source: events.source,
  type: events.type,
  time: events.time,
  severity: events.severity,
  title: events.title,
  subject: events.subject,
  receivedAt: events.receivedAt,
};

/** One page of the events `filters` match, newest first (as received), after `after` when given. */
export async function listEventPage(
  db: Db,
  filters: EventFilters,
  after: Position | undefined,
  limit: number,
) {
  const conditions: SQL[] = [];
  if (filters.type !== undefined) conditions.push(eq(events.type, filters.type));
  if (filters.source !== undefined) conditions.push(eq(events.source, filters.source));
  if (filters.since) conditions.push(gte(events.receivedAt, filters.since));
  if (filters.until) conditions.push(lt(events.receivedAt, filters.until));
  if (after) conditions.push(olderThan(events.receivedAt, events.key, after, "bigint"));
  const rows = await db
    .select({ ...summaryColumns, position: positionAt(events.receivedAt) })
    .from(events)
    .where(and(...conditions))
    .orderBy(desc(events.receivedAt), desc(events.key))
    .limit(limit + 1);
  return pageOf(rows, limit, (row) => String(row.key));
}
export type EventSummary = Awaited<ReturnType<typeof listEventPage>>["rows"][number];

/**
 * The events stored under `id` (from `source`, when given), with their data: none, one, or (ids
 * being unique per source only) up to `limit` from different sources.
 */
export function findEvents(db: Db, id: string, source: string | undefined, limit: number) {
  return db
    .select({ ...summaryColumns, data: events.data })
    .from(events)
    .where(and(eq(events.id, id), source === undefined ? undefined : eq(events.source, source)))
    .orderBy(desc(events.receivedAt), desc(events.key))
    .limit(limit);
}
