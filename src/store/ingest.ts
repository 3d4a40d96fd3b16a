import { eq } from "drizzle-orm";
import type { HeraldEvent } from "../events/event";
import { type Subscription, subscriptionMatches } from "../events/matching";
import type { Severity } from "../events/severity";
import type { Db } from "./db";
import { deliveries, events, webhooks } from "./schema";

export interface IngestResult {
  id: string;
  type: string;
  /** The event was seen before (same source and id): acknowledged, not fanned out again. */
  duplicate: boolean;
  deliveriesQueued: number;
}

/** Rows per INSERT statement: well under PostgreSQL's 65,535 bind parameters. */
const DELIVERY_ROWS_PER_INSERT = 5000;

/**
 * Stores events and one delivery per matching active webhook in one transaction, so an event
 * that was acknowledged is never lost. An event whose (source, id) is already stored is
 * acknowledged again without new deliveries.
 */
export async function ingestEvents(db: Db, batch: HeraldEvent[]): Promise<IngestResult[]> {
  return db.transaction(async (tx) => {
    const subscribers = await tx
      .select({
        id: webhooks.id,
        eventTypes: webhooks.eventTypes,
        eventsPolicy: webhooks.eventsPolicy,
        minSeverity: webhooks.minSeverity,
      })
      .from(webhooks)
      .where(eq(webhooks.isActive, true));

    const inserted = await tx
      .insert(events)
      .values(
        batch.map((event) => ({
          id: event.id,
          source: event.source,
          type: event.type,
          time: event.time,
          severity: event.severity,
          title: event.title,
          subject: event.subject,
          data: event.data,
        })),
      )
      .onConflictDoNothing({ target: [events.source, events.id] })
      .returning({ key: events.key, id: events.id, source: events.source });
    const keyOf = new Map(inserted.map((row) => [identity(row), row.key]));

    const deliveryRows: (typeof deliveries.$inferInsert)[] = [];
    const results = batch.map((event): IngestResult => {
      const key = keyOf.get(identity(event));
      // A second copy of the same event in one batch is a duplicate too.
      keyOf.delete(identity(event));
      if (key === undefined) return { id: event.id, type: event.type, duplicate: true, deliveriesQueued: 0 };
      const matching = subscribers.filter((webhook) => subscriptionMatches(asSubscription(webhook), event));
      for (const webhook of matching) deliveryRows.push({ webhookId: webhook.id, eventKey: key });
      return { id: event.id, type: event.type, duplicate: false, deliveriesQueued: matching.length };
    });

    for (let start = 0; start < deliveryRows.length; start += DELIVERY_ROWS_PER_INSERT) {
      await tx.insert(deliveries).values(deliveryRows.slice(start, start + DELIVERY_ROWS_PER_INSERT));
    }
    return results;
  });
}

function identity(event: { source: string; id: string }): string {
  return `${event.source}\u0000${event.id}`;
}

function asSubscription(webhook: {
  eventTypes: string[];
  eventsPolicy: "include" | "exclude";
  minSeverity: string;
}) {
  return { ...webhook, minSeverity: webhook.minSeverity as Severity } satisfies Subscription;
}
