import { sql } from "drizzle-orm";
import { readFlow } from "../webhooks/flow";
import type { Db } from "./db";
import { deliveries } from "./schema";

/**
 * For lossy webhooks (`lossy: true`, `max_queue`): discards the oldest never-tried deliveries
 * beyond the newest `max_queue` queued, and records why. For chat channels, where an old alert
 * is worthless and a flood of them buries the new. Other webhooks are left whole.
 */
export async function trimLossyQueues(db: Db, candidates: { id: string; flow: unknown }[]): Promise<void> {
  const limits = candidates.flatMap((webhook) => {
    const flow = readFlow(webhook.flow);
    return flow.lossy && flow.max_queue !== null
      ? [{ webhook_id: webhook.id, max_queue: flow.max_queue }]
      : [];
  });
  if (limits.length === 0) return;
  await db.execute(sql`
    update ${deliveries} d
    set status = 'discarded', next_attempt_at = now(), updated_at = now(),
        error = 'discarded unsent: the queue held more than max_queue ' || over.max_queue || ' (lossy), and this was among the oldest'
    from (
      select q.id, l.max_queue
      from json_to_recordset(${JSON.stringify(limits)}::json) as l(webhook_id uuid, max_queue int)
      cross join lateral (
        select id from ${deliveries}
        where webhook_id = l.webhook_id and status in ('pending', 'retrying')
        order by created_at desc, event_key desc
        offset l.max_queue
      ) q
    ) over
    where d.id = over.id and d.status = 'pending' and d.attempt = 0`);
}
