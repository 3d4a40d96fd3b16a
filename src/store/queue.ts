import { eq, inArray, sql } from "drizzle-orm";
import type { HeraldEvent } from "../events/event";
import type { Severity } from "../events/severity";
import { storableText } from "../text";
import { type Db, queryRows } from "./db";
import { type DeliveryStatus, deliveries, deliveryAttempts, events, webhooks } from "./schema";
import type { WebhookRow } from "./webhooks";

/** A claimed delivery with everything needed to render and send it. */
export interface DeliveryJob {
  deliveryId: string;
  /** This attempt's number, 1 for the first. */
  attempt: number;
  createdAt: Date;
  isTest: boolean;
  event: HeraldEvent;
  webhook: WebhookRow;
}

/** The result of one attempt, as the engine decided it. */
export interface AttemptRecord {
  deliveryId: string;
  webhookId: string;
  attempt: number;
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
  statusCode: number | null;
  success: boolean;
  error: string | null;
  durationMs: number;
  responseExcerpt: string | null;
  warnings: string[];
  /** Whether it counts towards the webhook's consecutive failures (test deliveries do not). */
  countsForWebhook: boolean;
}

/**
 * Claims up to `limit` due deliveries of active webhooks. Claiming counts the attempt and moves
 * next_attempt_at to the end of a lease: if this worker dies, the delivery is due again then.
 * SKIP LOCKED lets any number of workers and processes claim from one queue.
 */
export async function claimDueDeliveries(db: Db, limit: number, leaseMs: number): Promise<DeliveryJob[]> {
  // One round trip: claim, and return each claimed delivery with its event.
  const claimed = await queryRows<ClaimedRow>(
    db,
    sql`
      with due as (
        select d.id from ${deliveries} d
        join ${webhooks} w on w.id = d.webhook_id and w.is_active
        where d.status in ('pending', 'retrying') and d.next_attempt_at <= now()
        order by d.next_attempt_at
        limit ${limit}
        for update of d skip locked
      ), claimed as (
        update ${deliveries} d
        set attempt = d.attempt + 1,
            next_attempt_at = now() + ${leaseMs} * interval '1 millisecond',
            updated_at = now()
        from due where d.id = due.id
        returning d.id, d.webhook_id, d.event_key, d.attempt, d.created_at, d.is_test
      )
      select c.id, c.webhook_id, c.attempt, c.created_at, c.is_test,
             e.id as event_id, e.source, e.type, e.time, e.severity, e.title, e.subject, e.data
      from claimed c join ${events} e on e.key = c.event_key`,
  );
  if (claimed.length === 0) return [];
  const webhookIds = [...new Set(claimed.map((row) => row.webhook_id))];
  const webhookRows = await db.select().from(webhooks).where(inArray(webhooks.id, webhookIds));
  const webhookById = new Map(webhookRows.map((row) => [row.id, row]));
  return claimed.flatMap((row) => {
    const webhook = webhookById.get(row.webhook_id);
    if (!webhook) return []; // deleted since it was claimed
    const event: HeraldEvent = {
      id: row.event_id,
      type: row.type,
      source: row.source,
      time: new Date(row.time).toISOString(),
      severity: row.severity as Severity,
      title: row.title,
      subject: row.subject,
      data: typeof row.data === "string" ? JSON.parse(row.data) : row.data,
    };
    const createdAt = new Date(row.created_at);
    return [{ deliveryId: row.id, attempt: row.attempt, createdAt, isTest: row.is_test, event, webhook }];
  });
}

interface ClaimedRow {
  id: string;
  webhook_id: string;
  attempt: number;
  created_at: Date | string;
  is_test: boolean;
  event_id: string;
  source: string;
  type: string;
  time: Date | string;
  severity: string;
  title: string;
  subject: string | null;
  data: Record<string, unknown> | string;
}

/**
 * Records a batch of attempts at once: each delivery's new state, one history row
 * per attempt, and each webhook's consecutive-failure count (deactivating it past
 * `failureThreshold`, 0 for never). A record whose delivery was claimed again since (its lease
 * ran out) is ignored for the delivery's state but kept in the history.
 */
export async function recordAttempts(
  db: Db,
  records: AttemptRecord[],
  failureThreshold: number,
): Promise<void> {
  if (records.length === 0) return;
  // What receivers answer is stored as text: a NUL or a lone surrogate in it would make the
  // whole batch fail, again and again.
  const text = (value: string | null) => (value === null ? null : storableText(value));
  const rows = JSON.stringify(
    records.map((r) => ({
      id: r.deliveryId,
      attempt: r.attempt,
      status: r.status,
      next_attempt_at: (r.nextAttemptAt ?? new Date()).toISOString(),
      status_code: r.statusCode,
      success: r.success,
      error: text(r.error),
      duration_ms: r.durationMs,
      response_excerpt: text(r.responseExcerpt),
      warnings: r.warnings.length > 0 ? r.warnings.map(storableText) : null,
    })),
  );
  const failures = JSON.stringify(webhookFailureCounts(records));
  // In SET, not in a CTE: when another process updated the row meanwhile, PostgreSQL evaluates
  // SET again on the new row, so concurrent failures add up instead of overwriting each other.
  const newCount = sql.raw("(case when f.reset then f.failures else w.failure_count + f.failures end)");
  // One statement, so one round trip and atomic without a transaction: data-modifying CTEs all
  // run, against the same snapshot.
  await db.execute(sql`
    with v as (
      select * from json_to_recordset(${rows}::json) as v(
        id uuid, attempt int, status text, next_attempt_at timestamptz, status_code int, success boolean,
        error text, duration_ms int, response_excerpt text, warnings jsonb)
    ), updated as (
      update ${deliveries} d
      set status = v.status, next_attempt_at = v.next_attempt_at, status_code = v.status_code,
          success = v.success, error = v.error, duration_ms = v.duration_ms,
          response_excerpt = v.response_excerpt, warnings = v.warnings, updated_at = now()
      from v where d.id = v.id and d.attempt = v.attempt
    ), history as (
      insert into ${deliveryAttempts} (delivery_id, attempt, status_code, success, error, duration_ms, response_excerpt)
      select v.id, v.attempt, v.status_code, v.success, v.error, v.duration_ms, v.response_excerpt
      from v where exists (select 1 from ${deliveries} d where d.id = v.id)
    ), failures as (
      select * from json_to_recordset(${failures}::json) as f(webhook_id uuid, reset boolean, failures int, last_error text)
    )
    update ${webhooks} w
    set failure_count = ${newCount},
        is_active = w.is_active and not (${failureThreshold} > 0 and ${newCount} >= ${failureThreshold}),
        disabled_reason = case when w.is_active and ${failureThreshold} > 0 and ${newCount} >= ${failureThreshold}
          then 'deactivated after ' || ${newCount} || ' consecutive failed attempts; last error: ' || coalesce(f.last_error, 'none')
          else w.disabled_reason end
    from failures f
    where w.id = f.webhook_id and ${newCount} <> w.failure_count`);
}

/**
 * Per webhook, in the order attempts finished: a success resets the count (`reset`), and
 * `failures` is how many failed after the last success (or in all, with no success).
 */
export function webhookFailureCounts(records: AttemptRecord[]) {
  const counts = new Map<
    string,
    { webhook_id: string; reset: boolean; failures: number; last_error: string | null }
  >();
  for (const record of records) {
    if (!record.countsForWebhook) continue;
    const count = counts.get(record.webhookId) ?? {
      webhook_id: record.webhookId,
      reset: false,
      failures: 0,
      last_error: null,
    };
    if (record.success) Object.assign(count, { reset: true, failures: 0 });
    else Object.assign(count, { failures: count.failures + 1, last_error: record.error });
    counts.set(record.webhookId, count);
  }
  return [...counts.values()];
}

/** Hands claimed but unsent deliveries back to the queue, due now, their attempt uncounted. */
export async function releaseDeliveries(
  db: Db,
  claims: { deliveryId: string; attempt: number }[],
): Promise<void> {
  if (claims.length === 0) return;
  const rows = JSON.stringify(claims.map((claim) => ({ id: claim.deliveryId, attempt: claim.attempt })));
  await db.execute(sql`
    update ${deliveries} d set attempt = d.attempt - 1, next_attempt_at = now(), updated_at = now()
    from json_to_recordset(${rows}::json) as v(id uuid, attempt int)
    where d.id = v.id and d.attempt = v.attempt`);
}

/** Makes a delivery due now, whatever its state: one more attempt, under the same webhook-id. */
export async function retryDeliveryNow(db: Db, id: string) {
  const [row] = await db
    .update(deliveries)
    .set({ status: "pending", nextAttemptAt: new Date(), updatedAt: new Date() })
    .where(eq(deliveries.id, id))
    .returning({ id: deliveries.id, webhookId: deliveries.webhookId });
  return row;
}

/** Stores a test event and its delivery, claimed at once by the caller (attempt 1, leased). */
export async function createTestDelivery(db: Db, webhook: WebhookRow, event: HeraldEvent, leaseMs: number) {
  return db.transaction(async (tx) => {
    const [stored] = await tx
      .insert(events)
      .values({ ...event, time: event.time })
      .returning({ key: events.key });
    const [delivery] = await tx
      .insert(deliveries)
      .values({
        webhookId: webhook.id,
        eventKey: (stored as { key: number }).key,
        isTest: true,
        attempt: 1,
        nextAttemptAt: new Date(Date.now() + leaseMs),
      })
      .returning({ id: deliveries.id, createdAt: deliveries.createdAt });
    const { id, createdAt } = delivery as { id: string; createdAt: Date };
    return { deliveryId: id, attempt: 1, createdAt, isTest: true, event, webhook } satisfies DeliveryJob;
  });
}
