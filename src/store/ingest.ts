import { eq, sql } from "drizzle-orm";
import { HERALD_SOURCE } from "../events/catalog";
import type { HeraldEvent } from "../events/event";
import { type Subscription, subscriptionMatches } from "../events/matching";
import type { Severity } from "../events/severity";
import { compileDedupKey } from "../webhooks/dedup";
import { readFlow } from "../webhooks/flow";
import { groupKey } from "../webhooks/group";
import { type Db, queryRows } from "./db";
import { suppressRepeats } from "./dedup";
import { trimLossyQueues } from "./lossy";
import { type QueuedDelivery, queueDeliveries } from "./queue-deliveries";
import { events, webhooks } from "./schema";

export interface IngestResult {
  id: string;
  type: string;
  /** The event was seen before (same source and id): acknowledged, not fanned out again. */
  duplicate: boolean;
  deliveriesQueued: number;
}

/**
 * Stores events and one delivery per matching active webhook in one transaction, so an event
 * that was acknowledged is never lost. An event whose (source, id) is already stored is
 * acknowledged again without new deliveries. Rows travel as one JSON parameter per statement:
 * a thousand events cost two statements, whatever their size.
 */
export async function ingestEvents(db: Db, batch: HeraldEvent[]): Promise<IngestResult[]> {
  return db.transaction(async (tx) => {
    const subscribers = await tx
      .select({
        id: webhooks.id,
        eventTypes: webhooks.eventTypes,
        eventsPolicy: webhooks.eventsPolicy,
        minSeverity: webhooks.minSeverity,
        flow: webhooks.flow,
        paused: webhooks.paused,
      })
      .from(webhooks)
      .where(eq(webhooks.isActive, true));

    const inserted = await queryRows<{ key: string | number; id: string; source: string }>(
      tx,
      sql`
        insert into ${events} (id, source, type, time, severity, title, subject, data)
        select v.id, v.source, v.type, v.time, v.severity, v.title, v.subject, v.data
        from json_to_recordset(${JSON.stringify(batch)}::json) as v(
          id text, source text, type text, time timestamptz, severity text, title text, subject text, data json)
        on conflict (source, id) do nothing
        returning key, id, source`,
    );
    const keyOf = new Map(inserted.map((row) => [identity(row), Number(row.key)]));
    const dedupKeyOf = new Map(
      subscribers.flatMap((webhook) => {
        const dedup = readFlow(webhook.flow).dedup;
        return dedup ? [[webhook.id, compileDedupKey(dedup.key)] as const] : [];
      }),
    );
    const groupByOf = new Map(
      subscribers.flatMap((webhook) => {
        const group = readFlow(webhook.flow).group;
        return group ? [[webhook.id, group.by] as const] : [];
      }),
    );

    const deliveryRows: QueuedDelivery[] = [];
    const results = batch.map((event): IngestResult => {
      const key = keyOf.get(identity(event));
      // A second copy of the same event in one batch is a duplicate too.
      keyOf.delete(identity(event));
      if (key === undefined) return { id: event.id, type: event.type, duplicate: true, deliveriesQueued: 0 };
      const about = webhookAbout(event);
      const matching = subscribers.filter(
        (webhook) => webhook.id !== about && subscriptionMatches(asSubscription(webhook), event),
      );
      for (const webhook of matching) {
        const groupBy = groupByOf.get(webhook.id);
        deliveryRows.push({
          webhook_id: webhook.id,
          event_key: key,
          dedup_key: dedupKeyOf.get(webhook.id)?.(event) ?? null,
          group_key: groupBy ? groupKey(event, groupBy) : null,
        });
      }
      return { id: event.id, type: event.type, duplicate: false, deliveriesQueued: matching.length };
    });

    if (deliveryRows.length > 0) {
      const { keyedIds } = await queueDeliveries(tx, deliveryRows);
      await suppressRepeats(tx, keyedIds);
      const fedLossy = subscribers.filter(
        (webhook) => !webhook.paused && deliveryRows.some((row) => row.webhook_id === webhook.id),
      );
      await trimLossyQueues(tx, fedLossy);
    }
    return results;
  });
}

/** The webhook one of Herald's own events is about: it never receives it (no loops). */
function webhookAbout(event: HeraldEvent): unknown {
  return event.source === HERALD_SOURCE && event.type.startsWith("herald.")
    ? event.data.webhook_id
    : undefined;
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
