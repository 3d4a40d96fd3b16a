import { sql } from "drizzle-orm";
import { errorCodes } from "../errors";
import type { Logger } from "../logger";
import { type Db, queryRows } from "./db";
import { deliveries, deliveryAttempts } from "./schema";

/**
 * `deliveries` and `delivery_attempts` are partitioned by the delivery's `created_at`, in spans
 * of whole UTC days, plus a default partition for rows no span holds (the rows a store had when
 * it was partitioned, drizzle/0010; every row of the embedded store, see partitionSpanDays).
 * Each span's pair of partitions is created ahead, so ingest never waits on one, and dropped
 * together by retention once every delivery in it has finished.
 *
 * A span is a quarter of the retention (8 days for 30): a statement on the queue reads each
 * partition, and with 39 (a day each) the delivery rate fell to a third (docs/architecture.md).
 * The oldest deliveries are therefore kept up to a span past the retention, until their whole
 * span can go.
 */
const PARTITIONED_TABLES = ["deliveries", "delivery_attempts"] as const;

/** Days ahead of today the partitions reach: maintenance runs hourly, so this is never reached. */
export const DAYS_AHEAD = 3;

/** A span's days for a retention of `retentionDays` (0, keeping everything: 30). */
export function spanDays(retentionDays: number): number {
  return retentionDays === 0 ? 30 : Math.ceil(retentionDays / 4);
}

/**
 * The span of the partitions Herald creates on a store, or null for none. The embedded store
 * keeps every row in the default partition and prunes it by batches: PGlite cannot keep a plan
 * between executions (store/prepared.ts does that on PostgreSQL), and with five partitions its
 * delivery rate fell by 30 %.
 */
export function partitionSpanDays(kind: "pglite" | "postgres", retentionDays: number): number | null {
  return kind === "postgres" ? spanDays(retentionDays) : null;
}

/**
 * How long creating or dropping a partition waits for a table's lock before it gives up until
 * the next run. Below PostgreSQL's deadlock_timeout (1 s): in a lock cycle with ingest or a claim
 * (creating a partition locks `deliveries`, then `events` and `webhooks` for its foreign keys;
 * ingest takes `events`, then `deliveries`), this transaction gives up first, so the other never
 * fails; and ingest never queues longer than this behind a lock it asked for.
 */
const LOCK_WAIT = "500ms";

/** Advisory lock (one-key form) held while partitions are created or dropped, so processes take turns. */
const PARTITION_LOCK_ID = 7_460_400;

/** A span of UTC days, `from` included and `to` not, as `YYYY-MM-DD`. */
export interface Span {
  from: string;
  to: string;
}

/** A span's partition of a table: `deliveries_p20261128_20261206`. */
export function partitionName(table: string, { from, to }: Span): string {
  return `${table}_p${from.replaceAll("-", "")}_${to.replaceAll("-", "")}`;
}

/** A partition of deliveries and the partition of attempts that holds their attempts. */
export interface PartitionPair {
  deliveries: string;
  attempts: string;
}

/** The default partitions: rows no span holds. */
export const DEFAULT_PARTITIONS: PartitionPair = {
  deliveries: "deliveries_default",
  attempts: "delivery_attempts_default",
};

/** A span's two partitions. */
export function spanPartitions(span: Span): PartitionPair {
  return {
    deliveries: partitionName("deliveries", span),
    attempts: partitionName("delivery_attempts", span),
  };
}

/**
 * Creates partitions of `span` days for both tables, each where the last ends, until they reach
 * DAYS_AHEAD days past today (by the database's clock, UTC); the first from today when none
 * reaches it. Days the default partition holds rows of are left to it: a partition cannot be
 * created over rows the default holds.
 */
export async function createPartitionsAhead(db: Db, span: number): Promise<Span[]> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${PARTITION_LOCK_ID})`);
    await tx.execute(sql.raw(`set local lock_timeout = '${LOCK_WAIT}'`));
    const [row] = await queryRows<{ today: string; held_until: string | null }>(
      tx as unknown as Db,
      sql`select (now() at time zone 'utc')::date::text as today,
                 (select (max(created_at) at time zone 'utc')::date::text from ${sql.raw(DEFAULT_PARTITIONS.deliveries)}) as held_until`,
    );
    if (!row) return [];
    const last = (await partitionSpans(tx as unknown as Db)).at(-1);
    const heldFrom = row.held_until === null ? row.today : addDays(row.held_until, 1);
    let from = [row.today, heldFrom, last?.to ?? row.today].reduce((a, b) => (a > b ? a : b));
    const created: Span[] = [];
    for (const reach = addDays(row.today, DAYS_AHEAD); from <= reach; from = addDays(from, span)) {
      const next = { from, to: addDays(from, span) };
      await createPartitions(tx as unknown as Db, next);
      created.push(next);
    }
    return created;
  });
}

/**
 * createPartitionsAhead, logged; when a table stays locked past LOCK_WAIT, a warning, and the
 * partitions wait for the next run (rows go to the default partition meanwhile).
 */
export async function createPartitionsAheadOrWait(db: Db, span: number, log: Logger): Promise<void> {
  try {
    const created = await createPartitionsAhead(db, span);
    if (created.length > 0) log.info("created the partitions of days ahead", { spans: created });
  } catch (error) {
    if (!isLockNotAvailable(error)) throw error;
    log.warn("could not create the partitions ahead: a table stayed locked; trying again at the next run");
  }
}

/** Creates both tables' partitions for one span. */
export async function createPartitions(db: Db, span: Span): Promise<void> {
  for (const table of PARTITIONED_TABLES) {
    await db.execute(
      sql.raw(`create table ${partitionName(table, span)} partition of ${table}
               for values from ('${span.from} 00:00:00+00') to ('${span.to} 00:00:00+00')`),
    );
  }
}

/** The spans `deliveries` has a partition for, oldest first (read from their names). */
export async function partitionSpans(db: Db): Promise<Span[]> {
  const rows = await queryRows<{ name: string }>(
    db,
    sql`select c.relname as name from pg_inherits i
        join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'deliveries'::regclass and c.relname ~ '^deliveries_p[0-9]{8}_[0-9]{8}$'
        order by c.relname`,
  );
  const day = (digits: string) => `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}`;
  return rows.map(({ name }) => {
    const [from, to] = name.slice("deliveries_p".length).split("_") as [string, string];
    return { from: day(from), to: day(to) };
  });
}

/**
 * Drops the spans (deliveries and their attempts) that end before `cutoff` and whose deliveries
 * all finished before it. Answers those dropped, how many deliveries went with them, and the
 * partitions kept although they end before the cutoff: a span with a delivery still queued, or
 * one that finished since the cutoff (retried by hand), whose finished deliveries retention then
 * prunes by batches as they age.
 */
export async function dropFinishedSpans(
  db: Db,
  cutoff: Date,
): Promise<{ dropped: Span[]; deliveries: number; kept: Span[] }> {
  const result = { dropped: [] as Span[], deliveries: 0, kept: [] as Span[] };
  const cutoffDay = cutoff.toISOString().slice(0, 10);
  for (const span of await partitionSpans(db)) {
    if (span.to > cutoffDay) break;
    // Read without a lock first: the scan of a whole span should not hold ingest or the claim up.
    const count = await finishedBefore(db, spanPartitions(span).deliveries, cutoff).catch(
      droppedElsewhere("gone" as const),
    );
    if (count === "gone") continue;
    const dropped =
      count !== null &&
      (await dropIfStillFinished(db, span).catch((error) => {
        if (isLockNotAvailable(error)) return false;
        return droppedElsewhere("gone" as const)(error);
      }));
    if (dropped === "gone") continue;
    if (!dropped) {
      result.kept.push(span);
      continue;
    }
    result.dropped.push(span);
    result.deliveries += count;
  }
  return result;
}

/** Drops the span's two partitions unless a delivery in it is queued again; false when it is. */
function dropIfStillFinished(db: Db, span: Span): Promise<boolean> {
  const { deliveries: deliveriesOfSpan, attempts: attemptsOfSpan } = spanPartitions(span);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${PARTITION_LOCK_ID})`);
    // Dropping a partition locks its table whole. Both tables at once, in the order ingest and
    // the claim take them (deliveries, then attempts), so no deadlock; and given up after
    // LOCK_WAIT (the span is tried again at the next run) rather than queue every query behind
    // a long one. From here no write reaches the span: a delivery made due again since the scan
    // ("retry now", a bulk retry) is queued, which the queue's index finds at once.
    await tx.execute(sql.raw(`set local lock_timeout = '${LOCK_WAIT}'`));
    await tx.execute(sql`lock table ${deliveries}, ${deliveryAttempts} in access exclusive mode`);
    const [row] = await queryRows<{ queued: boolean }>(
      tx as unknown as Db,
      sql.raw(
        `select exists (select 1 from ${deliveriesOfSpan} where status in ('pending', 'retrying')) as queued`,
      ),
    );
    if (row?.queued !== false) return false;
    await tx.execute(sql.raw(`drop table ${attemptsOfSpan}`));
    await tx.execute(sql.raw(`drop table ${deliveriesOfSpan}`));
    return true;
  });
}

/** Whether `error` is a lock not had within lock_timeout (SQLSTATE 55P03). */
export function isLockNotAvailable(error: unknown): boolean {
  return errorCodes(error).includes("55P03");
}

/**
 * A handler that answers `gone` for a partition another process dropped meanwhile (SQLSTATE
 * 42P01, undefined table: processes take turns dropping, but each reads the list first).
 */
export function droppedElsewhere<Gone>(gone: Gone): (error: unknown) => Gone {
  return (error) => {
    if (errorCodes(error).includes("42P01")) return gone;
    throw error;
  };
}

/** How many deliveries the partition holds, if all finished before `cutoff`; null if one did not. */
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
