import type { HeraldEvent } from "../events/event";
import { compileDedupKey } from "../webhooks/dedup";
import { readFlow } from "../webhooks/flow";
import { groupKey } from "../webhooks/group";
import { type Db, queryRows } from "./db";
import { suppressRepeats } from "./dedup";
import {
  claimedBy,
  type IngestPlan,
  type PlannedEvent,
  planIngest,
  type StraightSender,
} from "./ingest-plan";
import { insertEvents, type Stored, storedKeys, storeInOneStatement } from "./ingest-statement";
import { trimLossyQueues } from "./lossy";
import type { DeliveryJob } from "./queue";
import { type ClaimedAtQueue, type QueuedDelivery, queueDeliveries } from "./queue-deliveries";
import { cachedSubscribers, readSubscribers } from "./subscribers";
import type { WebhookRow } from "./webhooks";

export interface IngestResult {
  id: string;
  type: string;
  /** The event was seen before (same source and id): acknowledged, not fanned out again. */
  duplicate: boolean;
  deliveriesQueued: number;
  /** Of those, the ones handed straight to this process's engine: no claim needs to look for them. */
  sentStraight: number;
}

/**
 * Stores events and one delivery per matching active webhook atomically, so an event that was
 * acknowledged is never lost. An event whose (source, id) is already stored is acknowledged again
 * without new deliveries. Rows travel as one JSON parameter per statement, whatever their number.
 * When the webhooks are as the last ingest read them and none needs dedup, digests or lossy
 * trimming, that is one statement (store/ingest-statement.ts); otherwise a transaction that reads
 * them again. With `straight`, the deliveries the engine can send at once are stored claimed and
 * handed to it after the commit.
 */
export async function ingestEvents(
  db: Db,
  batch: HeraldEvent[],
  straight?: StraightSender,
): Promise<IngestResult[]> {
  const cached = cachedSubscribers(db);
  if (cached?.plain) {
    const plan = planIngest(batch, cached.active, straight);
    const stored = await storeInOneStatement(db, batch, plan, cached.version, straight).catch(
      (error: unknown) => {
        releaseAll(plan, straight);
        throw error;
      },
    );
    if (stored) return finish(plan, stored, straight);
    releaseAll(plan, straight);
  }
  let plan: IngestPlan | undefined;
  try {
    const stored = await db.transaction(async (tx) => {
      plan = planIngest(batch, (await readSubscribers(db, tx)).active, straight);
      return storeInTransaction(tx, batch, plan, straight);
    });
    return finish(plan as IngestPlan, stored, straight);
  } catch (error) {
    if (plan) releaseAll(plan, straight);
    throw error;
  }
}

/** The events, then their deliveries with their dedup and group keys, dedup and lossy queues. */
async function storeInTransaction(
  tx: Db,
  batch: HeraldEvent[],
  plan: IngestPlan,
  sender: StraightSender | undefined,
): Promise<Stored> {
  const inserted = await queryRows<{ key: string | number; id: string; source: string }>(
    tx,
    insertEvents(batch),
  );
  const keys = storedKeys(inserted);
  const keyers = new Map<string, ReturnType<typeof deliveryKeyer>>();
  const rows: QueuedDelivery[] = [];
  const fed = new Map<string, WebhookRow>();
  for (const { index, webhook, straight } of plan.deliveries) {
    const { event, identity } = plan.events[index] as PlannedEvent;
    const key = keys.get(identity);
    if (key === undefined) continue;
    const keyer = keyers.get(webhook.id) ?? deliveryKeyer(webhook);
    keyers.set(webhook.id, keyer);
    fed.set(webhook.id, webhook);
    rows.push({
      webhook_id: webhook.id,
      event_key: key,
      ...keyer(event),
      ...(straight && claimedBy(sender)),
    });
  }
  if (rows.length === 0) return { keys, claimed: [] };
  const { keyedIds, claimed } = await queueDeliveries(tx, rows);
  await suppressRepeats(tx, keyedIds);
  await trimLossyQueues(
    tx,
    [...fed.values()].filter((webhook) => !webhook.paused),
  );
  return { keys, claimed };
}

/** A webhook's dedup key and group key of an event, each null if it has none. */
function deliveryKeyer(webhook: WebhookRow) {
  const { dedup, group } = readFlow(webhook.flow);
  const dedupKey = dedup ? compileDedupKey(dedup.key) : undefined;
  return (event: HeraldEvent) => ({
    dedup_key: dedupKey?.(event) ?? null,
    group_key: group ? groupKey(event, group.by) : null,
  });
}

/**
 * After the commit: places that no stored delivery took are given back, the deliveries stored
 * claimed go to the engine, and each event gets its answer.
 */
function finish(plan: IngestPlan, stored: Stored, straight: StraightSender | undefined): IngestResult[] {
  const eventByKey = new Map<number, HeraldEvent>();
  for (const { event, identity } of plan.events) {
    const key = stored.keys.get(identity);
    if (key !== undefined) eventByKey.set(key, event);
  }
  if (straight && plan.settle()) {
    const webhookById = new Map(plan.deliveries.map(({ webhook }) => [webhook.id, webhook]));
    const taken = countBy(stored.claimed, (row) => row.webhook_id);
    for (const [webhookId, count] of plan.reserved) {
      const unused = count - (taken.get(webhookId) ?? 0);
      if (unused > 0) straight.release(webhookId, unused);
    }
    if (stored.claimed.length > 0) {
      straight.send(stored.claimed.map((row) => straightJob(row, eventByKey, webhookById)));
    }
  }
  const queuedPerIndex = countBy(plan.deliveries, (delivery) => delivery.index);
  const straightPerKey = countBy(stored.claimed, (row) => Number(row.event_key));
  return plan.events.map(({ event, identity, firstCopy }, index) => {
    const key = firstCopy ? stored.keys.get(identity) : undefined;
    return {
      id: event.id,
      type: event.type,
      duplicate: key === undefined,
      deliveriesQueued: key === undefined ? 0 : (queuedPerIndex.get(index) ?? 0),
      sentStraight: key === undefined ? 0 : (straightPerKey.get(key) ?? 0),
    };
  });
}

function releaseAll(plan: IngestPlan, straight: StraightSender | undefined) {
  if (!plan.settle()) return;
  for (const [webhookId, count] of plan.reserved) straight?.release(webhookId, count);
}

function countBy<T, K>(items: T[], keyOf: (item: T) => K): Map<K, number> {
  const counts = new Map<K, number>();
  for (const item of items) counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1);
  return counts;
}

function straightJob(
  row: ClaimedAtQueue,
  eventByKey: Map<number, HeraldEvent>,
  webhookById: Map<string, WebhookRow>,
): DeliveryJob {
  return {
    deliveryId: row.id,
    attempt: 1,
    uncountedAttempts: 0,
    createdAt: new Date(row.created_at),
    isTest: false,
    suppressedBefore: 0,
    groupKey: null,
    event: eventByKey.get(Number(row.event_key)) as HeraldEvent,
    webhook: webhookById.get(row.webhook_id) as WebhookRow,
  };
}
