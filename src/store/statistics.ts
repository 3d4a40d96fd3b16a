import { sql } from "drizzle-orm";
import { describeError } from "../errors";
import type { Logger } from "../logger";
import { type Db, queryRows } from "./db";
import { droppedElsewhere, isLockNotAvailable } from "./partitions";

/** The tables whose hot statements look rows up by key, each with its partitions. */
const LOOKED_UP_TABLES = ["events", "deliveries", "delivery_attempts"] as const;

/** How often the keeper looks for tables to analyze: a new partition gets statistics this soon. */
const STATISTICS_CHECK_MS = 5000;

/**
 * The least a table holds (in 8 KiB pages, about 2,500 deliveries) before it is analyzed: the
 * recording's plan goes wrong from about 2,000 deliveries on, and a sample of a few rows would
 * make most columns look unique.
 */
const MIN_ANALYZED_PAGES = 64;

/** A table is analyzed again once it holds this many times the pages it held when last counted. */
const REANALYZE_GROWTH = 10;

/**
 * ANALYZEs each of Herald's tables (and partitions) that holds at least MIN_ANALYZED_PAGES and
 * has no statistics yet, or has grown REANALYZE_GROWTH-fold since it was last counted; returns
 * their names. A table another process holds locked, or has dropped meanwhile (retention), is
 * skipped until the next check.
 *
 * Without statistics PostgreSQL takes a delivery's id to match 0.5 % of its table, and joined the
 * attempts being recorded to a scan of every delivery (from about 2,000 deliveries and 50
 * records on): each recording read the whole partition twice, and slowed as it grew. With them
 * the id is known unique, and a recording looks its deliveries up by the key. PGlite never
 * gathers statistics (it has no autovacuum), a new partition has none until autovacuum's first
 * analyze, and a server may run without autovacuum. Where autovacuum runs, it keeps them fresh
 * long before a table has grown tenfold.
 */
export async function analyzeTablesLackingStatistics(db: Db): Promise<string[]> {
  const tables = LOOKED_UP_TABLES.map((name) => `to_regclass('${name}')`).join(", ");
  const found = await queryRows<{ name: string }>(
    db,
    sql.raw(`
      select c.oid::regclass::text as name
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      left join pg_inherits i on i.inhrelid = c.oid
      cross join lateral (select pg_relation_size(c.oid) / current_setting('block_size')::bigint as pages) size
      where (c.oid = any(array[${tables}]) or i.inhparent = any(array[${tables}]))
        and c.relkind = 'r'
        -- PostgreSQL skips, with a warning, a table the role does not own: it would be every check.
        and pg_has_role(c.relowner, 'USAGE')
        and size.pages >= ${MIN_ANALYZED_PAGES}
        -- Grown since it was last counted: an analyze that found no rows yet (still uncommitted,
        -- or rolled back) is tried again once more arrive, not again and again on the same pages.
        and ((size.pages > c.relpages
              and not exists (select 1 from pg_stats s where s.schemaname = n.nspname and s.tablename = c.relname))
             or size.pages > ${REANALYZE_GROWTH}::bigint * c.relpages)
      order by 1`),
  );
  const analyzed: string[] = [];
  for (const { name } of found) {
    const done = await db
      .transaction(async (tx) => {
        // Never queue long behind a vacuum or a partition being created: the next check tries again.
        await tx.execute(sql.raw("set local lock_timeout = '500ms'"));
        await tx.execute(sql.raw(`analyze ${name}`));
        return true;
      })
      .catch(skipLockedOrDropped);
    if (done) analyzed.push(name);
  }
  return analyzed;
}

function skipLockedOrDropped(error: unknown): false {
  if (isLockNotAvailable(error)) return false;
  return droppedElsewhere(false as const)(error);
}

/**
 * Runs analyzeTablesLackingStatistics at once, then every `everyMs`. `stop` resolves once a check
 * under way has ended, so the store can be closed after it.
 */
export function startStatisticsKeeper(
  db: Db,
  log: Logger,
  everyMs = STATISTICS_CHECK_MS,
): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const analyzeAndLog = async () => {
    const started = performance.now();
    try {
      const tables = await analyzeTablesLackingStatistics(db);
      if (tables.length > 0) {
        log.info("gathered the statistics of tables that had none or had grown tenfold", {
          tables,
          duration_ms: Math.round(performance.now() - started),
        });
      }
    } catch (error) {
      log.error("could not gather the statistics of a table", { error: describeError(error) });
    }
  };
  const check = () => {
    running ??= analyzeAndLog().finally(() => {
      running = undefined;
    });
  };
  check();
  const timer = setInterval(check, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
