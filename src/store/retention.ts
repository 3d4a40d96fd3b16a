import { type SQL, sql } from "drizzle-orm";
import { describeError } from "../errors";
import type { Logger } from "../logger";
import { type Db, queryRows } from "./db";
import {
  createPartitionsAheadOrWait,
  DEFAULT_PARTITIONS,
  dropFinishedSpans,
  droppedElsewhere,
  type Span,
  spanPartitions,
} from "./partitions";
import { deliveries, events } from "./schema";

/** Rows one statement deletes at most: each batch is short, so delivery and ingest go on between. */
const BATCH = 2000;

export interface Pruned {
  deliveries: number;
  events: number;
  /** Spans whose partitions were dropped whole (store/partitions.ts). */
  spans: Span[];
}

/**
 * Deletes what is older than `days` and finished: deliveries that ended (delivered, dead,
 * discarded, suppressed) with their attempts, then events none of whose deliveries is still
 * queued or younger than that (an event a delivery still needs is kept, however old).
 * Deliveries go a partition span at a time (store/partitions.ts), once the whole span is past
 * the cutoff and finished. A span kept for a queued delivery, and the default partition, are
 * pruned in batches of BATCH rows by arrival time, as are the events, with `pause` after each
 * batch, given how long the batch took.
 */
export async function pruneFinished(
  db: Db,
  days: number,
  pause: (batchMs: number) => Promise<void> = restAsLong,
): Promise<Pruned> {
  const [row] = await queryRows<{ cutoff: string }>(
    db,
    sql`select (now() - ${days} * interval '1 day')::text as cutoff`,
  );
  const cutoffAt = new Date(row?.cutoff ?? Date.now());
  const cutoff = sql`${cutoffAt.toISOString()}::timestamptz`;
  const spans = await dropFinishedSpans(db, cutoffAt);
  let deliveriesByBatch = 0;
  for (const partition of [DEFAULT_PARTITIONS, ...spans.kept.map(spanPartitions)]) {
    // Attempts have no foreign key to cascade by (see the schema): they go in the same statement.
    // A kept span another process dropped meanwhile has nothing left to prune.
    deliveriesByBatch += await inBatches(
      db,
      sql`with gone as (
            delete from ${sql.raw(partition.deliveries)} where id in (
              select id from ${sql.raw(partition.deliveries)}
              where created_at < ${cutoff} and status in ('delivered', 'dead', 'discarded', 'suppressed')
                and updated_at < ${cutoff}
              order by created_at limit ${BATCH})
            returning id
          ), attempts as (
            delete from ${sql.raw(partition.attempts)} a using gone where a.delivery_id = gone.id
          )
          select count(*)::int as count from gone`,
      pause,
    ).catch(droppedElsewhere(0));
  }
  const eventsByBatch = await inBatches(
    db,
    sql`with gone as (
          delete from ${events} where key in (
            select e.key from ${events} e
            where e.created_at < ${cutoff}
              and not exists (select 1 from ${deliveries} d where d.event_key = e.key)
            order by e.created_at limit ${BATCH})
          returning 1
        )
        select count(*)::int as count from gone`,
    pause,
  );
  return {
    deliveries: spans.deliveries + deliveriesByBatch,
    events: eventsByBatch,
    spans: spans.dropped,
  };
}

/**
 * Rests as long as the batch took: pruning keeps at most half of one connection busy, which
 * leaves the database to delivery and ingest (bench/retention.ts measures the difference).
 */
const restAsLong = (batchMs: number) => new Promise<void>((resolve) => setTimeout(resolve, batchMs));

/** Runs a delete that answers its count until it deletes fewer than BATCH rows; answers the total. */
async function inBatches(db: Db, counting: SQL, pause: (batchMs: number) => Promise<void>): Promise<number> {
  for (let total = 0; ; ) {
    const started = performance.now();
    const [row] = await queryRows<{ count: number }>(db, counting);
    const count = row?.count ?? 0;
    total += count;
    if (count < BATCH) return total;
    await pause(performance.now() - started);
  }
}

/**
 * Upkeep every `everyMs` (the first a minute after start): creates the partitions ahead, `span`
 * days each (none when null: the embedded store), then prunes what is older than `days` (0 keeps
 * everything). A run that fails is logged and tried again at the next.
 */
export function startRetention(
  db: Db,
  { days, everyMs, span }: { days: number; everyMs: number; span: number | null },
  log: Logger,
): { stop(): void } {
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      if (span !== null) await createPartitionsAheadOrWait(db, span, log);
      if (days === 0) return;
      const started = performance.now();
      const pruned = await pruneFinished(db, days);
      if (pruned.deliveries + pruned.events > 0) {
        log.info("pruned finished deliveries and events past the retention", {
          ...pruned,
          retention_days: days,
          duration_ms: Math.round(performance.now() - started),
        });
      }
    } catch (error) {
      log.error("could not keep the store (partitions ahead, retention)", { error: describeError(error) });
    } finally {
      running = false;
    }
  };
  const first = setTimeout(run, Math.min(everyMs, 60_000));
  const timer = setInterval(run, everyMs);
  first.unref();
  timer.unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
