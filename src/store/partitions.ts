import { sql } from "drizzle-orm";
import { type Db, queryRows } from "./db";
import { deliveries, deliveryAttempts } from "./schema";

/**
 * `deliveries` and `delivery_attempts` are partitioned by the delivery's `created_at`, a
 * partition a UTC day, plus a default partition for rows no day holds (the rows a store had when
 * it was partitioned, drizzle/0010). Each day's pair is created ahead, so ingest never waits on
 * one, and dropped together by retention once every delivery of the day has finished.
 */
const PARTITIONED_TABLES = ["deliveries", "delivery_attempts"] as const;

/** Days created ahead of today: maintenance runs hourly, so two days ahead is never reached. */
export const DAYS_AHEAD = 3;

/** How long dropping a day waits for its lock on the two tables before it waits for the next run. */
const LOCK_WAIT = "1s";

/** Advisory lock (one-key form) held while partitions are created or dropped, so processes take turns. */
const PARTITION_LOCK_ID = 7_460_400;

/** A day as `YYYY-MM-DD`, and its partition of a table: `deliveries_p20261128`. */
export function partitionName(table: string, day: string): string {
  return `${table}_p${day.replaceAll("-", "")}`;
}

/**
 * Creates the day partitions of both tables from today (by the database's clock, UTC) to
 * DAYS_AHEAD days on, those that do not exist yet. A day the default partition already holds
 * rows of is left to it: a partition cannot be created over rows the default holds.
 */
export async function createPartitionsAhead(db: Db): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${PARTITION_LOCK_ID})`);
    const [row] = await queryRows<{ today: string; held_until: string | null }>(
      tx as unknown as Db,
      sql`select (now() at time zone 'utc')::date::text as today,
                 (select (max(created_at) at time zone 'utc')::date::text from deliveries_default) as held_until`,
    );
    if (!row) return [];
    const existing = new Set(await dayPartitions(tx as unknown as Db));
    const created: string[] = [];
    for (let offset = 0; offset <= DAYS_AHEAD; offset++) {
      const day = addDays(row.today, offset);
      if (existing.has(day) || (row.held_until !== null && day <= row.held_until)) continue;
      await createDayPartitions(tx as unknown as Db, day);
      created.push(day);
    }
    return created;
  });
}

/** Creates both tables' partitions for one UTC day (`YYYY-MM-DD`). */
export async function createDayPartitions(db: Db, day: string): Promise<void> {
  for (const table of PARTITIONED_TABLES) {
    await db.execute(
      sql.raw(`create table ${partitionName(table, day)} partition of ${table}
               for values from ('${day} 00:00:00+00') to ('${addDays(day, 1)} 00:00:00+00')`),
    );
  }
}

/** The days `deliveries` has a partition for, oldest first. */
export async function dayPartitions(db: Db): Promise<string[]> {
  const rows = await queryRows<{ name: string }>(
    db,
    sql`select c.relname as name from pg_inherits i
        join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'deliveries'::regclass and c.relname ~ '^deliveries_p[0-9]{8}$'
        order by c.relname`,
  );
  return rows.map(({ name }) => {
    const digits = name.slice("deliveries_p".length);
    return `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}`;
  });
}

/**
 * Drops the day partitions (deliveries and their attempts) that end before `cutoff` and whose
 * deliveries all finished before it; returns how many deliveries went with them. A day with a
 * delivery still queued, or one that finished since the cutoff (retried by hand), is kept: batch
 * pruning (store/retention.ts) takes its finished deliveries as they age.
 */
export async function dropFinishedDays(
  db: Db,
  cutoff: Date,
): Promise<{ days: string[]; deliveries: number }> {
  const dropped = { days: [] as string[], deliveries: 0 };
  const cutoffDay = cutoff.toISOString().slice(0, 10);
  for (const day of await dayPartitions(db)) {
    if (addDays(day, 1) > cutoffDay) break;
    const deliveriesOfDay = partitionName("deliveries", day);
    // Read without a lock first: the scan of a whole day should not hold ingest or the claim up.
    const count = await finishedBefore(db, deliveriesOfDay, cutoff);
    if (count === null) continue;
    const droppedDay = await dropDayIfStillFinished(db, day).catch((error) => {
      if (sqlState(error) === LOCK_NOT_AVAILABLE) return false;
      throw error;
    });
    if (!droppedDay) continue;
    dropped.days.push(day);
    dropped.deliveries += count;
  }
  return dropped;
}

/** Drops the day's two partitions unless a delivery in it is queued again; false when it is. */
function dropDayIfStillFinished(db: Db, day: string): Promise<boolean> {
  const deliveriesOfDay = partitionName("deliveries", day);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${PARTITION_LOCK_ID})`);
    // Dropping a partition locks its table whole. Both tables at once, in the order ingest and
    // the claim take them (deliveries, then attempts), so no deadlock; and given up after
    // LOCK_WAIT (the day is tried again at the next run) rather than queue every query behind
    // a long one. From here no write reaches the day: a delivery made due again since the scan
    // ("retry now", a bulk retry) is queued, which the queue's index finds at once.
    await tx.execute(sql.raw(`set local lock_timeout = '${LOCK_WAIT}'`));
    await tx.execute(sql`lock table ${deliveries}, ${deliveryAttempts} in access exclusive mode`);
    const [row] = await queryRows<{ queued: boolean }>(
      tx as unknown as Db,
      sql.raw(
        `select exists (select 1 from ${deliveriesOfDay} where status in ('pending', 'retrying')) as queued`,
      ),
    );
    if (row?.queued !== false) return false;
    await tx.execute(sql.raw(`drop table ${partitionName("delivery_attempts", day)}`));
    await tx.execute(sql.raw(`drop table ${deliveriesOfDay}`));
    return true;
  });
}

/** PostgreSQL's SQLSTATE for a lock not had within lock_timeout. */
const LOCK_NOT_AVAILABLE = "55P03";

/** The SQLSTATE of a failed query, from either driver (Drizzle wraps it as the cause). */
function sqlState(error: unknown): string | undefined {
  for (let current = error; current instanceof Object; current = (current as { cause?: unknown }).cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** How many deliveries the day holds, if all finished before `cutoff`; null if one did not. */
async function finishedBefore(db: Db, partition: string, cutoff: Date): Promise<number | null> {
  const [row] = await queryRows<{ count: number; open: boolean }>(
    db,
    sql`select count(*)::int as count,
               coalesce(bool_or(status in ('pending', 'retrying') or updated_at >= ${cutoff.toISOString()}::timestamptz), false) as open
        from ${sql.raw(partition)}`,
  );
  return row && !row.open ? row.count : null;
}

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}
