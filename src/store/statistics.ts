import { sql } from "drizzle-orm";
import { describeError } from "../errors";
import type { Logger } from "../logger";
import { type Db, queryRows } from "./db";
import { isLockNotAvailable } from "./partitions";

/** The tables whose hot statements look rows up by key, each with its partitions. */
const LOOKED_UP_TABLES = ["events", "deliveries", "delivery_attempts"] as const;

/** How often the keeper looks for tables without statistics: a new partition gets them this soon. */
export const STATISTICS_CHECK_MS = 5000;

/**
 * ANALYZEs each of Herald's tables (and partitions) that holds rows and has no statistics yet,
 * and returns their names.
 *
 * Without statistics PostgreSQL takes a delivery's id to match 0.5 % of its table, so it joins
 * the attempts being recorded to a scan of every delivery (from about 2,000 deliveries and 50
 * records on): each recording then read the whole partition twice, and the delivery rate fell as
 * it grew. With them the id is known unique, and every recording looks its deliveries up by the
 * key whatever the table's size. PGlite never gathers statistics (it has no autovacuum), a new
 * partition has none until autovacuum's first analyze, and a server may run without autovacuum.
 * One analyze of a table with rows is enough for this; keeping them fresh is left to autovacuum.
 */
export async function analyzeTablesWithoutStatistics(db: Db): Promise<string[]> {
  const tables = LOOKED_UP_TABLES.map((name) => `to_regclass('${name}')`).join(", ");
  const found = await queryRows<{ name: string }>(
    db,
    sql.raw(`
      select c.oid::regclass::text as name
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      left join pg_inherits i on i.inhrelid = c.oid
      where (c.oid = any(array[${tables}]) or i.inhparent = any(array[${tables}]))
        and c.relkind = 'r'
        -- Only the owner may analyze a table: a role that is not would fail at every check.
        and pg_has_role(c.relowner, 'USAGE')
        -- Rows: counted by a vacuum, or pages written and never counted.
        and (c.reltuples > 0 or (c.reltuples < 0 and pg_relation_size(c.oid) > 0))
        and not exists (select 1 from pg_stats s where s.schemaname = n.nspname and s.tablename = c.relname)
      order by 1`),
  );
  const analyzed: string[] = [];
  for (const { name } of found) {
    await db.transaction(async (tx) => {
      // Never queue long behind a vacuum or a partition being created: the next check tries again.
      await tx.execute(sql.raw("set local lock_timeout = '500ms'"));
      await tx.execute(sql.raw(`analyze ${name}`));
    });
    analyzed.push(name);
  }
  return analyzed;
}

/**
 * Runs analyzeTablesWithoutStatistics at once, then every `everyMs`. `stop` resolves once a check
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
      const tables = await analyzeTablesWithoutStatistics(db);
      if (tables.length > 0) {
        log.info("gathered the statistics of tables that had none", {
          tables,
          duration_ms: Math.round(performance.now() - started),
        });
      }
    } catch (error) {
      if (!isLockNotAvailable(error))
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
