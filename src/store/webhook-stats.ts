import { sql } from "drizzle-orm";
import { type Db, parsedJson, queryRows } from "./db";
import { DELIVERY_STATUSES, type DeliveryStatus, deliveries } from "./schema";

export interface WebhookStats {
  /** Deliveries created in the window, by their state now. */
  counts: Record<DeliveryStatus, number>;
  /** Percentiles of the last attempt's duration, over the window's deliveries that made one. */
  latencyMs: { p50: number; p95: number; p99: number } | null;
  /** Deliveries waiting now (not only the window's), and when the oldest of them was created. */
  queue: { pending: number; retrying: number; oldestCreatedAt: Date | null };
  /** Per hour of creation (the hour's start) and state, only the hours and states with any. */
  hourly: { hour: Date; status: DeliveryStatus; count: number }[];
}

interface StatsRow {
  hourly: { hour: number; status: DeliveryStatus; count: number }[] | string | null;
  latency: (number | null)[] | string | null;
  queue: { pending: number; retrying: number; oldest_ms: number | null } | string;
}

const HOUR_S = 3600;

/**
 * A webhook's deliveries created in [since, until), test deliveries left out, in one statement:
 * the window's rows through (webhook_id, created_at), once for the counts per hour and state and
 * once for the latency percentiles (faster than one pass through a materialized CTE, which spills
 * to disk on a busy webhook); the queue through the partial index on
 * waiting deliveries (deliveries_queued_order_idx: webhook_id, created_at where pending or retrying).
 */
export async function webhookStats(
  db: Db,
  webhookId: string,
  since: Date,
  until: Date,
): Promise<WebhookStats> {
  const inWindow = sql`webhook_id = ${webhookId} and created_at >= ${since.toISOString()}::timestamptz
    and created_at < ${until.toISOString()}::timestamptz and not is_test`;
  const [row] = await queryRows<StatsRow>(
    db,
    sql`
      select
        (select json_agg(json_build_object('hour', hour * ${HOUR_S}, 'status', status, 'count', n) order by hour)
           from (select floor(extract(epoch from created_at) / ${HOUR_S})::bigint as hour, status, count(*) as n
                 from ${deliveries} where ${inWindow} group by 1, 2) h) as hourly,
        (select json_build_array(
            percentile_disc(0.5) within group (order by duration_ms),
            percentile_disc(0.95) within group (order by duration_ms),
            percentile_disc(0.99) within group (order by duration_ms))
           from ${deliveries} where ${inWindow} and duration_ms is not null) as latency,
        (select json_build_object(
            'pending', count(*) filter (where status = 'pending'),
            'retrying', count(*) filter (where status = 'retrying'),
            'oldest_ms', extract(epoch from min(created_at)) * 1000)
           from ${deliveries}
           where webhook_id = ${webhookId} and status in ('pending', 'retrying')) as queue`,
  );
  const counts = Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, 0])) as Record<
    DeliveryStatus,
    number
  >;
  const hourly = (parsedJson(row?.hourly ?? null) ?? []).map((each) => ({
    hour: new Date(Number(each.hour) * 1000),
    status: each.status,
    count: Number(each.count),
  }));
  for (const each of hourly) counts[each.status] += each.count;
  const [p50, p95, p99] = parsedJson(row?.latency ?? null) ?? [];
  const queue = parsedJson(row?.queue ?? null);
  const oldest = queue?.oldest_ms;
  return {
    counts,
    latencyMs: p50 == null ? null : { p50, p95: p95 ?? p50, p99: p99 ?? p50 },
    queue: {
      pending: Number(queue?.pending ?? 0),
      retrying: Number(queue?.retrying ?? 0),
      oldestCreatedAt: oldest == null ? null : new Date(Number(oldest)),
    },
    hourly,
  };
}
