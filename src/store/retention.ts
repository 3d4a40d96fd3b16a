import { sql } from "drizzle-orm";
import { describeError } from "../errors";
import type { Logger } from "../logger";
import { type Db, queryRows } from "./db";
import { deliveries, events } from "./schema";

/** Rows one statement deletes at most: each batch is short, so delivery and ingest go on between. */
const BATCH = 2000;

export interface Pruned {
  deliveries: number;
  events: number;
}

/**
 * Deletes what is older than `days` and finished: deliveries that ended (delivered, dead,
 * discarded, suppressed) with their attempts, then events none of whose deliveries is still
 * queued or younger than that (an event a delivery still needs is kept, however old). In batches
 * of BATCH rows by arrival time (the indexes the history lists use), `pause` between batches.
 */
export async function pruneFinished(
  db: Db,
  days: number,
  pause: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve)),
): Promise<Pruned> {
  const cutoff = sql`now() - ${days} * interval '1 day'`;
  const pruned: Pruned = { deliveries: 0, events: 0 };
  for (;;) {
    const count = await deleted(
      db,
      sql`delete from ${deliveries} where id in (
            select id from ${deliveries}
            where created_at < ${cutoff} and status in ('delivered', 'dead', 'discarded', 'suppressed')
              and updated_at < ${cutoff}
            order by created_at limit ${BATCH})`,
    );
    pruned.deliveries += count;
    if (count < BATCH) break;
    await pause();
  }
  for (;;) {
    const count = await deleted(
      db,
      sql`delete from ${events} where key in (
            select e.key from ${events} e
            where e.created_at < ${cutoff}
              and not exists (select 1 from ${deliveries} d where d.event_key = e.key)
            order by e.created_at limit ${BATCH})`,
    );
    pruned.events += count;
    if (count < BATCH) break;
    await pause();
  }
  return pruned;
}

async function deleted(db: Db, statement: ReturnType<typeof sql>): Promise<number> {
  const [row] = await queryRows<{ count: number }>(
    db,
    sql`with gone as (${statement} returning 1) select count(*)::int as count from gone`,
  );
  return row?.count ?? 0;
}

/**
 * Prunes every `everyMs` (the first time a minute after start) what is older than `days`; 0 days
 * keeps everything. A run that fails is logged and tried again at the next.
 */
export function startRetention(db: Db, days: number, everyMs: number, log: Logger): { stop(): void } {
  if (days === 0) return { stop() {} };
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
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
      log.error("could not prune past the retention", { error: describeError(error) });
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
