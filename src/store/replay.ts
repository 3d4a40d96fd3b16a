import { type SQL, sql } from "drizzle-orm";
import { HERALD_SOURCE } from "../events/catalog";
import type { HeraldEvent } from "../events/event";
import { isAtLeast, SEVERITIES, type Severity } from "../events/severity";
import { readFlow } from "../webhooks/flow";
import { groupKey } from "../webhooks/group";
import { type Db, queryRows } from "./db";
import { DELIVERY_STATUSES } from "./delivery-statuses";
import { trimLossyQueues } from "./lossy";
import { queueDeliveries } from "./queue-deliveries";
import { deliveries, events } from "./schema";
import type { WebhookRow } from "./webhooks";

/** `never`: the webhook has no delivery of the event (it was disabled, or not subscribed, then). */
export const REPLAY_STATUSES = [...DELIVERY_STATUSES, "never"] as const;
export type ReplayStatus = (typeof REPLAY_STATUSES)[number];

export interface ReplayFilter {
  /** Events received at or after `since` and before `until`. */
  since: Date;
  until: Date;
  /** Type patterns as a subscription's `event_types` takes them ("auth.*", "*"); absent: every type. */
  types?: string[];
  /** The state of the webhook's latest delivery of the event; absent: any, `never` included. */
  statuses?: ReplayStatus[];
  /** Replay events the webhook's event_types and min_severity would not have sent it. */
  ignoreSubscription: boolean;
}

/**
 * Events read (and queued) per statement. A replay may span a year: in chunks, each its own
 * statement, ingest and claims go on between them (PGlite has one connection) and no transaction
 * holds a year of rows.
 */
const CHUNK = 2000;

/** How many stored events a replay of `filter` to `webhook` would queue (read as the replay reads them). */
export async function countReplay(db: Db, webhook: WebhookRow, filter: ReplayFilter): Promise<number> {
  let count = 0;
  for await (const chunk of matchingChunks(db, webhook, filter, false)) count += chunk.length;
  return count;
}

/**
 * Queues each stored event `filter` matches to `webhook` again, as a new delivery due now (for a
 * grouping webhook, at its group's flush time, as ingest queues it), and answers how many. Each
 * chunk commits alone: a replay that fails part way leaves the chunks before queued. The new
 * deliveries carry no dedup key: a replay is a deliberate re-send, not a repeat to suppress.
 */
export async function replayEvents(db: Db, webhook: WebhookRow, filter: ReplayFilter): Promise<number> {
  const groupBy = readFlow(webhook.flow).group?.by;
  let queued = 0;
  for await (const chunk of matchingChunks(db, webhook, filter, groupBy !== undefined)) {
    // No dedup key: a replay is a deliberate re-send, never a repeat to suppress.
    const { count } = await queueDeliveries(
      db,
      chunk.map((row) => ({
        webhook_id: webhook.id,
        event_key: row.key,
        dedup_key: null,
        group_key: groupBy ? groupKey(asEvent(row), groupBy) : null,
      })),
    );
    queued += count;
  }
  // As after an ingest: a lossy webhook that is sending keeps only its newest max_queue.
  if (queued > 0 && webhook.isActive && !webhook.paused) await trimLossyQueues(db, [webhook]);
  return queued;
}

/**
 * The matching events in order of arrival, a chunk at a time, each chunk after the previous one's
 * last (received_at, key): every event comes once, however many deliveries it had. Queuing one
 * chunk cannot change what the next matches: it holds other events.
 */
async function* matchingChunks(
  db: Db,
  webhook: WebhookRow,
  filter: ReplayFilter,
  withFields: boolean,
): AsyncGenerator<ChunkRow[]> {
  let after: ChunkRow | undefined;
  for (;;) {
    const chunk = await queryRows<ChunkRow>(
      db,
      sql`
        select e.key, e.created_at::text as received_at${withFields ? GROUP_FIELDS : sql``}
        from ${events} e
        where ${matching(webhook, filter)}
          ${after ? sql`and (e.created_at, e.key) > (${after.received_at}::timestamptz, ${after.key})` : sql``}
        order by e.created_at, e.key
        limit ${CHUNK}`,
    );
    if (chunk.length > 0) yield chunk;
    if (chunk.length < CHUNK) return;
    after = chunk.at(-1);
  }
}

interface ChunkRow {
  key: string | number;
  received_at: string;
  type?: string;
  source?: string;
  severity?: string;
  title?: string;
  subject?: string | null;
  data?: Record<string, unknown> | string;
}

/** What a group key may be read from (webhooks/group.ts): the event's fields and data. */
const GROUP_FIELDS = sql`, e.type, e.source, e.severity, e.title, e.subject, e.data`;

function asEvent(row: ChunkRow): HeraldEvent {
  const { type, source, severity, title, subject, data } = row;
  return {
    type,
    source,
    severity,
    title,
    subject,
    data: typeof data === "string" ? JSON.parse(data) : data,
  } as HeraldEvent;
}

/** The condition on `events e` a replay takes: time, not a test event, type, subscription, state. */
function matching(webhook: WebhookRow, filter: ReplayFilter): SQL {
  // An event's received_at (schema.ts) is its created_at column, which events_received_idx covers.
  const conditions = [
    sql`e.created_at >= ${filter.since.toISOString()}::timestamptz`,
    sql`e.created_at < ${filter.until.toISOString()}::timestamptz`,
    // A test event (POST /webhooks/{id}/test) was made for its one test delivery.
    sql`not exists (select 1 from ${deliveries} t where t.event_key = e.key and t.is_test)`,
    // No loops, as at ingest: one of Herald's own events about this webhook never goes to it.
    sql`not (e.source = ${HERALD_SOURCE} and starts_with(e.type, 'herald.')
             and e.data->>'webhook_id' is not distinct from ${webhook.id})`,
  ];
  if (filter.types) conditions.push(typeMatchesAny(filter.types));
  if (!filter.ignoreSubscription) {
    const listed = typeMatchesAny(webhook.eventTypes);
    conditions.push(webhook.eventsPolicy === "include" ? listed : sql`not ${listed}`);
    const allowed = SEVERITIES.filter((severity) => isAtLeast(severity, webhook.minSeverity as Severity));
    conditions.push(sql`e.severity in (select json_array_elements_text(${JSON.stringify(allowed)}::json))`);
  }
  if (filter.statuses) {
    conditions.push(sql`
      coalesce((select d.status from ${deliveries} d
                where d.event_key = e.key and d.webhook_id = ${webhook.id}::uuid
                order by d.created_at desc, d.id desc limit 1), 'never')
        in (select json_array_elements_text(${JSON.stringify(filter.statuses)}::json))`);
  }
  return sql.join(conditions, sql` and `);
}

/** Whether `e.type` matches one of `patterns`, as events/type-pattern.ts decides. */
function typeMatchesAny(patterns: string[]): SQL {
  return sql`exists (
    select 1 from json_array_elements_text(${JSON.stringify(patterns)}::json) as p(pattern)
    where e.type = p.pattern or (right(p.pattern, 1) = '*' and starts_with(e.type, left(p.pattern, -1))))`;
}
