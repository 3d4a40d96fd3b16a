import { sql } from "drizzle-orm";
import type { Db } from "./db";
import { deliveries, webhooks } from "./schema";

/**
 * Suppresses the new deliveries (`ids`, just inserted in this transaction) whose dedup key an
 * earlier delivery of the same webhook holds within its `dedup.window_s` — one delivered or
 * still queued; a dead or discarded one does not count, as its event never reached the receiver.
 * Of identical keys in one batch the first (lowest event key) is kept. A suppressed delivery
 * stays in the history with the key and the earlier delivery in its error; the webhook's next
 * claimed message counts it (store/claim.ts) and it names that message in `reported_by`.
 */
export async function suppressRepeats(db: Db, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.execute(sql`
      with fresh as (
        select d.id, d.webhook_id, d.dedup_key, d.created_at, d.event_key,
               (w.flow->'dedup'->>'window_s')::int as window_s
        from ${deliveries} d join ${webhooks} w on w.id = d.webhook_id
        where d.id = any(${`{${ids.join(",")}}`}::uuid[]) and d.dedup_key is not null
      ), repeats as (
        select f.id, f.dedup_key, f.window_s, earlier.id as earlier_id
        from fresh f cross join lateral (
          select e.id from ${deliveries} e
          where e.webhook_id = f.webhook_id and e.dedup_key = f.dedup_key
            and e.created_at >= f.created_at - f.window_s * interval '1 second'
            and e.status in ('pending', 'retrying', 'delivered')
            and (e.created_at, e.event_key) < (f.created_at, f.event_key)
          order by e.created_at, e.event_key
          limit 1
        ) earlier
      )
      update ${deliveries} d
      set status = 'suppressed', next_attempt_at = now(), updated_at = now(),
          error = 'suppressed: a repeat of dedup key "' || r.dedup_key || '" within ' || r.window_s
                  || ' s of delivery ' || r.earlier_id
      from repeats r
      where d.id = r.id`);
}
