import { eq, type SQL, sql } from "drizzle-orm";
import type { HeraldEvent } from "../events/event";
import { storableText } from "../text";
import { type Db, queryRows } from "./db";
import { type DeliveryStatus, deliveries, deliveryAttempts, events, webhooks } from "./schema";
import type { WebhookRow } from "./webhooks";

/** A claimed delivery with everything needed to render and send it. */
export interface DeliveryJob {
  deliveryId: string;
  /** This attempt's number, 1 for the first. */
  attempt: number;
  /** Attempts that do not use up retries: throttled (429), or handed back unanswered. */
  uncountedAttempts: number;
  createdAt: Date;
  isTest: boolean;
  /** Repeats the webhook's dedup suppressed before this delivery: its message reports them. */
  suppressedBefore: number;
  /** The event's group for a grouping webhook: jobs of one group are sent as one digest. */
  groupKey: string | null;
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
  /** The receiver throttled (429, or 503 with Retry-After): the whole webhook waits until then. */
  throttle: { until: Date; reason: string } | null;
  /** The request sent (the first of a message sent in parts), secrets masked; null when none was. */
  request: { headers: Record<string, string>; body: string } | null;
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
      throttled: r.throttle !== null,
      request_headers: r.request?.headers ?? null,
      request_body: r.request ? storableText(r.request.body) : null,
    })),
  );
  const changes = JSON.stringify(webhookChanges(records));
  // In SET, not in a CTE: when another process updated the row meanwhile, PostgreSQL evaluates
  // SET again on the new row, so concurrent failures add up instead of overwriting each other.
  const newCount = sql.raw("(case when f.reset then f.failures else w.failure_count + f.failures end)");
  const disables = sql`(w.is_active and ${failureThreshold} > 0 and ${newCount} >= ${failureThreshold})`;
  // One statement, so one round trip and atomic without a transaction: data-modifying CTEs all
  // run, against the same snapshot.
  await db.execute(sql`
    with v as (
      select * from json_to_recordset(${rows}::json) as v(
        id uuid, attempt int, status text, next_attempt_at timestamptz, status_code int, success boolean,
        error text, duration_ms int, response_excerpt text, warnings jsonb, throttled boolean,
        request_headers jsonb, request_body text)
    ), updated as (
      update ${deliveries} d
      set status = v.status, next_attempt_at = v.next_attempt_at, status_code = v.status_code,
          success = v.success, error = v.error, duration_ms = v.duration_ms,
          response_excerpt = v.response_excerpt, warnings = v.warnings, updated_at = now(),
          uncounted_attempts = d.uncounted_attempts + v.throttled::int, claimed_by = null
      from v where d.id = v.id and d.attempt = v.attempt
    ), history as (
      insert into ${deliveryAttempts} (delivery_id, attempt, status_code, success, error, duration_ms, response_excerpt,
        request_headers, request_body)
      select v.id, v.attempt, v.status_code, v.success, v.error, v.duration_ms, v.response_excerpt,
        v.request_headers, v.request_body
      from v where exists (select 1 from ${deliveries} d where d.id = v.id)
    ), f as (
      select * from json_to_recordset(${changes}::json) as f(
        webhook_id uuid, reset boolean, failures int, last_error text, throttled_until timestamptz, throttle_reason text)
    )
    update ${webhooks} w
    set failure_count = ${newCount},
        is_active = w.is_active and not ${disables},
        disabled_reason = case when ${disables}
          then 'deactivated after ' || ${newCount} || ' consecutive failed attempts; last error: ' || coalesce(f.last_error, 'none')
          else w.disabled_reason end,
        state_changed_by = case when ${disables} then 'herald (failure threshold)' else w.state_changed_by end,
        state_changed_at = case when ${disables} then now() else w.state_changed_at end,
        throttled_until = greatest(w.throttled_until, f.throttled_until),
        throttle_reason = case when f.throttled_until > coalesce(w.throttled_until, '-infinity')
          then f.throttle_reason else w.throttle_reason end
    from f
    where w.id = f.webhook_id
      and (${newCount} <> w.failure_count or f.throttled_until > coalesce(w.throttled_until, '-infinity'))`);
}

/**
 * Per webhook, in the order attempts finished: a success resets the count (`reset`), and
 * `failures` is how many failed after the last success (or in all, with no success); the latest
 * time a receiver asked it to wait until (a throttle), if one did.
 */
export function webhookChanges(records: AttemptRecord[]) {
  const changes = new Map<
    string,
    {
      webhook_id: string;
      reset: boolean;
      failures: number;
      last_error: string | null;
      throttled_until: string | null;
      throttle_reason: string | null;
    }
  >();
  for (const record of records) {
    if (!record.countsForWebhook && !record.throttle) continue;
    const change = changes.get(record.webhookId) ?? {
      webhook_id: record.webhookId,
      reset: false,
      failures: 0,
      last_error: null,
      throttled_until: null,
      throttle_reason: null,
    };
    const { throttle } = record;
    if (throttle) {
      // Neither a success nor a failure: the webhook waits until the latest time asked.
      const until = throttle.until.toISOString();
      if (change.throttled_until === null || until > change.throttled_until) {
        Object.assign(change, { throttled_until: until, throttle_reason: throttle.reason });
      }
    } else if (record.success) Object.assign(change, { reset: true, failures: 0 });
    else Object.assign(change, { failures: change.failures + 1, last_error: record.error });
    changes.set(record.webhookId, change);
  }
  return [...changes.values()];
}

/**
 * Hands this worker's claimed deliveries back to the queue, due now, when it stops before their
 * receivers answered: each attempt stays counted, in the history as handed back (the receiver
 * may have got it), and uses up no retry. A claim that is no longer this worker's is left alone.
 */
export async function releaseDeliveries(
  db: Db,
  workerId: string,
  claims: { deliveryId: string; attempt: number }[],
): Promise<number> {
  if (claims.length === 0) return 0;
  const rows = JSON.stringify(claims.map((claim) => ({ id: claim.deliveryId, attempt: claim.attempt })));
  return handBackClaims(
    db,
    sql`d.claimed_by = ${workerId} and (d.id, d.attempt) in (
          select v.id, v.attempt from json_to_recordset(${rows}::json) as v(id uuid, attempt int))`,
    "handed back unanswered: Herald was stopping; the receiver may have received it",
  );
}

/**
 * Hands claimed deliveries (`which`, a condition on `deliveries d`) back to the queue, due now:
 * the attempt keeps its number and gets a history row saying why, and it uses up no retry.
 */
export async function handBackClaims(db: Db, which: SQL, reason: string): Promise<number> {
  const [row] = await queryRows<{ count: number }>(
    db,
    sql`
      with handed as (
        update ${deliveries} d
        set claimed_by = null, next_attempt_at = now(), updated_at = now(), error = ${reason},
            uncounted_attempts = d.uncounted_attempts + 1
        where d.claimed_by is not null and d.status in ('pending', 'retrying') and ${which}
        returning d.id, d.attempt
      ), history as (
        insert into ${deliveryAttempts} (delivery_id, attempt, success, error, duration_ms)
        select id, attempt, false, ${reason}, 0 from handed
      )
      select count(*)::int as count from handed`,
  );
  return row?.count ?? 0;
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
export async function createTestDelivery(
  db: Db,
  webhook: WebhookRow,
  event: HeraldEvent,
  claim: { leaseMs: number; workerId: string },
) {
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
        nextAttemptAt: new Date(Date.now() + claim.leaseMs),
        claimedBy: claim.workerId,
      })
      .returning({ id: deliveries.id, createdAt: deliveries.createdAt });
    const { id, createdAt } = delivery as { id: string; createdAt: Date };
    const job = {
      deliveryId: id,
      attempt: 1,
      uncountedAttempts: 0,
      createdAt,
      isTest: true,
      suppressedBefore: 0,
      groupKey: null,
      event,
      webhook,
    };
    return job satisfies DeliveryJob;
  });
}
