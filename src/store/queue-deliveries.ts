import { sql } from "drizzle-orm";
import { type Db, queryRows } from "./db";
import { deleteExpiredGroups, scheduleGroups } from "./groups";
import { deliveries } from "./schema";

/** A delivery to queue: of an event to a webhook, with its dedup key and group key for that webhook. */
export interface QueuedDelivery {
  webhook_id: string;
  event_key: number | string;
  dedup_key: string | null;
  group_key: string | null;
}

/**
 * Inserts the deliveries (ingest's fan-out, a replay's chunk), each due now, or for a grouping
 * webhook when its group's next digest goes (store/groups.ts). Answers how many were queued and
 * the ids of those with a dedup key, which dedup then looks at.
 */
export async function queueDeliveries(
  db: Db,
  rows: QueuedDelivery[],
): Promise<{ count: number; keyedIds: string[] }> {
  const rowsJson = JSON.stringify(rows);
  const grouping = [...new Set(rows.filter((row) => row.group_key !== null).map((row) => row.webhook_id))];
  await deleteExpiredGroups(db, grouping);
  const [queued] = await queryRows<{ count: number; keyed: string[] | string }>(
    db,
    sql`
      with scheduled as (${scheduleGroups(grouping.length > 0 ? rowsJson : "[]")}),
      queued as (
        insert into ${deliveries} (webhook_id, event_key, dedup_key, group_key, next_attempt_at)
        select v.webhook_id, v.event_key, v.dedup_key, v.group_key, coalesce(s.flush_at, now())
        from json_to_recordset(${rowsJson}::json)
          as v(webhook_id uuid, event_key bigint, dedup_key text, group_key text)
        left join scheduled s on s.webhook_id = v.webhook_id and s.group_key = v.group_key
        returning id, dedup_key)
      select count(*)::int as count,
             coalesce(array_agg(id) filter (where dedup_key is not null), '{}')::text[] as keyed
      from queued`,
  );
  const keyed = queued?.keyed ?? [];
  // A driver that does not parse text[] answers its literal: {id,id}.
  const keyedIds = typeof keyed === "string" ? keyed.slice(1, -1).split(",").filter(Boolean) : keyed;
  return { count: queued?.count ?? 0, keyedIds };
}
