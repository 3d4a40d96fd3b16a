import { type SQL, sql } from "drizzle-orm";
import type { Db } from "./db";
import { deliveryGroups, webhooks } from "./schema";

/**
 * Deletes the groups of these webhooks that expired (no event for `interval_s` after their last
 * digest), so the table holds only the groups that may still be open.
 */
export async function deleteExpiredGroups(db: Db, webhookIds: string[]): Promise<void> {
  if (webhookIds.length === 0) return;
  await db.execute(sql`
    delete from ${deliveryGroups} g
    using ${webhooks} w
    where g.webhook_id = w.id and g.webhook_id = any(${`{${webhookIds.join(",")}}`}::uuid[])
      and g.flush_at < now() - coalesce(${INTERVAL}, interval '0')`);
}

const INTERVAL = sql.raw(`(w.flow->'group'->>'interval_s')::int * interval '1 second'`);

/**
 * A statement (for a WITH) that schedules the groups of `pairs` (JSON of {webhook_id, group_key})
 * and returns each one's webhook_id, group_key and flush_at: when its newly queued events go, as
 * Alertmanager schedules a group:
 * - a new group (or one that got nothing for `interval_s` after its last digest) goes `wait_s` from now;
 * - a group whose digest is still to go keeps its time: the new events join that digest;
 * - a group whose digest went less than `interval_s` ago goes `interval_s` after it.
 * The upsert locks each group's row (in one order, against deadlocks), so concurrent ingests agree.
 */
export function scheduleGroups(pairs: string): SQL {
  return sql`
    insert into ${deliveryGroups} as g (webhook_id, group_key, flush_at)
    select distinct v.webhook_id, v.group_key, now() + (w.flow->'group'->>'wait_s')::int * interval '1 second'
    from json_to_recordset(${pairs}::json) as v(webhook_id uuid, group_key text)
    join ${webhooks} w on w.id = v.webhook_id
    where v.group_key is not null
    order by v.webhook_id, v.group_key
    on conflict (webhook_id, group_key) do update set flush_at = (
      select case
        when g.flush_at > now() then g.flush_at
        when g.flush_at + ${INTERVAL} > now() then g.flush_at + ${INTERVAL}
        else excluded.flush_at
      end
      from ${webhooks} w where w.id = g.webhook_id)
    returning webhook_id, group_key, flush_at`;
}
