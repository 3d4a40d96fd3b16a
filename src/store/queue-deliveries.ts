import { type SQL, sql } from "drizzle-orm";
import { type Db, parsedJson, queryRows } from "./db";
import { deleteExpiredGroups, scheduleGroups } from "./groups";
import { deliveries } from "./schema";

/** A delivery to queue: of an event to a webhook, with its dedup key and group key for that webhook. */
export interface QueuedDelivery {
  webhook_id: string;
  event_key: number | string;
  dedup_key: string | null;
  group_key: string | null;
  /** Stored claimed by this worker (attempt 1, leased), to be sent without a claim (delivery/straight.ts). */
  claimed_by?: string;
  lease_ms?: number;
}

/** A delivery queued claimed. */
export interface ClaimedAtQueue {
  id: string;
  webhook_id: string;
  event_key: number;
  created_at: string;
}

/**
 * A new delivery's next_attempt_at, claimed_by and attempt, from a row `v` of the JSON it is
 * inserted from: due at `due`, or claimed (attempt 1, due again when the lease ends).
 */
export function claimColumns(due: SQL): SQL {
  return sql`case when v.claimed_by is null then ${due} else now() + v.lease_ms * interval '1 millisecond' end,
    v.claimed_by, (v.claimed_by is not null)::int`;
}

/** Of the inserted deliveries `queued` (id, webhook_id, event_key, created_at, claimed_by): the claimed ones, as JSON. */
export const CLAIMED_AS_JSON = sql`coalesce(json_agg(json_build_object('id', id, 'webhook_id', webhook_id,
  'event_key', event_key, 'created_at', created_at)) filter (where claimed_by is not null), '[]')`;

/**
 * Inserts the deliveries (ingest's fan-out, a replay's chunk), each due now, or for a grouping
 * webhook when its group's next digest goes (store/groups.ts), or claimed if it says so. Answers
 * how many were queued, the ids of those with a dedup key, which dedup then looks at, and the
 * claimed ones.
 */
export async function queueDeliveries(
  db: Db,
  rows: QueuedDelivery[],
): Promise<{ count: number; keyedIds: string[]; claimed: ClaimedAtQueue[] }> {
  const rowsJson = JSON.stringify(rows);
  const grouping = [...new Set(rows.filter((row) => row.group_key !== null).map((row) => row.webhook_id))];
  await deleteExpiredGroups(db, grouping);
  const [queued] = await queryRows<{
    count: number;
    keyed: string[] | string;
    claimed: ClaimedAtQueue[] | string;
  }>(
    db,
    sql`
      with scheduled as (${scheduleGroups(grouping.length > 0 ? rowsJson : "[]")}),
      queued as (
        insert into ${deliveries} (webhook_id, event_key, dedup_key, group_key, next_attempt_at, claimed_by, attempt)
        select v.webhook_id, v.event_key, v.dedup_key, v.group_key, ${claimColumns(sql`coalesce(s.flush_at, now())`)}
        from json_to_recordset(${rowsJson}::json)
          as v(webhook_id uuid, event_key bigint, dedup_key text, group_key text, claimed_by uuid, lease_ms int)
        left join scheduled s on s.webhook_id = v.webhook_id and s.group_key = v.group_key
        returning id, dedup_key, webhook_id, event_key, created_at, claimed_by)
      select count(*)::int as count,
             coalesce(array_agg(id) filter (where dedup_key is not null), '{}')::text[] as keyed,
             ${CLAIMED_AS_JSON} as claimed
      from queued`,
  );
  const keyed = queued?.keyed ?? [];
  // A driver that does not parse text[] answers its literal: {id,id}.
  const keyedIds = typeof keyed === "string" ? keyed.slice(1, -1).split(",").filter(Boolean) : keyed;
  return { count: queued?.count ?? 0, keyedIds, claimed: parsedJson(queued?.claimed ?? []) };
}
