import { sql } from "drizzle-orm";
import { type Db, queryRows } from "./db";
import { deliveries } from "./schema";

export interface QueueStat {
  webhookId: string;
  status: "pending" | "retrying";
  /** Deliveries in this state, claimed ones (in flight) included. */
  depth: number;
  /** Seconds since the oldest of them was queued (its event's arrival). */
  oldestAgeSeconds: number;
}

/**
 * Queued deliveries per webhook and state, in one statement (the partial index on due
 * deliveries covers exactly these rows). At most `limit` rows, the deepest first.
 */
export async function queueStats(db: Db, limit: number): Promise<QueueStat[]> {
  const rows = await queryRows<{
    webhook_id: string;
    status: string;
    depth: number | string;
    age: number | string;
  }>(
    db,
    sql`
      select webhook_id, status, count(*) as depth,
             extract(epoch from (now() - min(created_at)))::float8 as age
      from ${deliveries}
      where status in ('pending', 'retrying')
      group by webhook_id, status
      order by count(*) desc
      limit ${limit}`,
  );
  return rows.map((row) => ({
    webhookId: row.webhook_id,
    status: row.status as QueueStat["status"],
    depth: Number(row.depth),
    oldestAgeSeconds: Math.max(0, Number(row.age)),
  }));
}
