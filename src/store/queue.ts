import { eq, type SQL, sql } from "drizzle-orm";
import type { HeraldEvent } from "../events/event";
import { storableText } from "../text";
import { type Db, queryRows } from "./db";
import { type DeliveryStatus, deliveries, deliveryAttempts, events, webhooks } from "./schema";
import { webhookChanges } from "./webhook-changes";
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
  /** The delivery's created_at (to the millisecond): with the id, its key (see recordAttempts). */
  deliveryCreatedAt: Date;
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
  /** The receiver said the destination no longer exists, in these words: the webhook is disabled at once. */
  gone: string | null;
  /** The request sent (the first of a message sent in parts), secrets masked; null when none was. */
  request: { headers: Record<string, string>; body: string } | null;
}

/** A webhook whose failure count or state the recording changed, as it is now. */
export interface RecordedWebhook {
  id: string;
  name: string;
  failure_count: number;
  /** Failed attempts this recording added, after its last success if `reset`. */
  failures_added: number;
  reset: boolean;
  /** The count as read before the recording (another process may have changed it meanwhile). */
  count_before: number;
  is_active: boolean;
  /** This recording switched it off (failure threshold, or the receiver said it is gone). */
  disabled_now: boolean;
  disabled_reason: string | null;
  state_changed_by: string | null;
  last_error: string | null;
  /** A delivery that had failed succeeded after the webhook was switched back on (or resumed). */
  succeeded_after_state_change: boolean;
  state_changed_at: string | null;
}

/** What a recording changed that operators hear about (delivery/operator-events.ts). */
export interface RecordedChanges {
  webhooks: RecordedWebhook[];
  /** Deliveries (not tests) this recording made dead. */
  dead: string[];
}

/**
 * Records a batch of attempts at once: each delivery's new state, one history row
 * per attempt, and each webhook's consecutive-failure count (deactivating it past
 * `failureThreshold`, 0 for never, or at once when its receiver said it is gone). A record whose
 * delivery was claimed again since (its lease ran out) is ignored for the delivery's state but
 * kept in the history. Returns what changed for the operator events.
 */
export async function recordAttempts(
  db: Db,
  records: AttemptRecord[],
  failureThreshold: number,
): Promise<RecordedChanges> {
  if (records.length === 0) return { webhooks: [], dead: [] };
  // What receivers answer is stored as text: a NUL or a lone surrogate in it would make the
  // whole batch fail, again and again.
  const text = (value: string | null) => (value === null ? null : storableText(value));
  const rows = JSON.stringify(
    records.map((r) => ({
      id: r.deliveryId,
      created_at: r.deliveryCreatedAt.toISOString(),
      webhook_id: r.webhookId,
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
  const disables = sql`(w.is_active and (f.gone is not null or (${failureThreshold} > 0 and ${newCount} >= ${failureThreshold})))`;
  const afterStateChange = sql.raw("(h.failed_at < w.state_changed_at)");
  // Each delivery by its whole key (its created_at as a millisecond's range: PostgreSQL keeps
  // microseconds), and `v` limited to the records' number, which PostgreSQL otherwise guesses at
  // 100: the planner then looks each delivery up by the key. By id alone, and without statistics
  // (PGlite never gathers any; a new partition has none yet), it read the whole deliveries table,
  // twice per recording, and recordings slowed as the table grew.
  const sameDelivery = sql.raw(
    "d.id = v.id and d.created_at >= v.created_at and d.created_at < v.created_at + interval '1 millisecond'",
  );
  // One statement, so one round trip and atomic without a transaction: data-modifying CTEs all
  // run, against the same snapshot (so `held` reads each delivery's attempts before this one).
  const [result] = await queryRows<RecordedChanges>(
    db,
    sql`
    with v as (
      select * from json_to_recordset(${rows}::json) as v(
        id uuid, created_at timestamptz, webhook_id uuid, attempt int, status text, next_attempt_at timestamptz, status_code int,
        success boolean, error text, duration_ms int, response_excerpt text, warnings jsonb, throttled boolean,
        request_headers jsonb, request_body text)
      limit ${records.length}
    ), updated as (
      update ${deliveries} d
      set status = v.status, next_attempt_at = v.next_attempt_at, status_code = v.status_code,
          success = v.success, error = v.error, duration_ms = v.duration_ms,
          response_excerpt = v.response_excerpt, warnings = v.warnings, updated_at = now(),
          uncounted_attempts = d.uncounted_attempts + v.throttled::int, claimed_by = null
      from v where ${sameDelivery} and d.attempt = v.attempt
      returning d.id, d.status, d.is_test
    ), history as (
      insert into ${deliveryAttempts} (delivery_id, delivery_created_at, webhook_id, attempt, status_code, success,
        error, duration_ms, response_excerpt, request_headers, request_body)
      select v.id, d.created_at, d.webhook_id, v.attempt, v.status_code, v.success, v.error, v.duration_ms,
        v.response_excerpt, v.request_headers, v.request_body
      from v join ${deliveries} d on ${sameDelivery}
    ), held as (
      -- Retries that succeeded where the attempt before failed: when, per webhook.
      select v.webhook_id, min(last.created_at) as failed_at
      from v cross join lateral (
        select a.success, a.created_at from ${deliveryAttempts} a where a.delivery_id = v.id order by a.id desc limit 1
      ) last
      where v.success and v.attempt > 1 and not last.success
      group by v.webhook_id
    ), f as (
      select * from json_to_recordset(${changes}::json) as f(
        webhook_id uuid, reset boolean, failures int, last_error text, throttled_until timestamptz,
        throttle_reason text, gone text)
    ), changed as (
      update ${webhooks} w
      set failure_count = ${newCount},
          is_active = w.is_active and not ${disables},
          disabled_reason = case when not ${disables} then w.disabled_reason
            when f.gone is not null then 'the receiver says the destination no longer exists: ' || f.gone
            else 'deactivated after ' || ${newCount} || ' consecutive failed attempts; last error: ' || coalesce(f.last_error, 'none')
            end,
          state_changed_by = case when not ${disables} then w.state_changed_by
            when f.gone is not null then 'herald (receiver: destination gone)'
            else 'herald (failure threshold)' end,
          state_changed_at = case when ${disables} then now() else w.state_changed_at end,
          throttled_until = greatest(w.throttled_until, f.throttled_until),
          -- A success after a hold ends the probing (store/claim.ts): the webhook opens up again.
          throttle_reason = case when f.throttled_until > coalesce(w.throttled_until, '-infinity')
            then f.throttle_reason when f.reset then null else w.throttle_reason end
      from f
        join ${webhooks} b on b.id = f.webhook_id
        left join held h on h.webhook_id = f.webhook_id
      where w.id = f.webhook_id
        and (${newCount} <> w.failure_count or f.throttled_until > coalesce(w.throttled_until, '-infinity')
          or f.gone is not null or ${afterStateChange} or (f.reset and w.throttle_reason is not null))
      returning w.id, w.name, w.failure_count, f.failures as failures_added, f.reset, b.failure_count as count_before,
        w.is_active, w.disabled_reason, w.state_changed_by, f.last_error, w.state_changed_at,
        -- SET ran on the newest row: a switch-off by this statement is the one stamped with its time.
        (not w.is_active and w.state_changed_at = now() and w.state_changed_by like 'herald (%') as disabled_now,
        coalesce(${afterStateChange}, false) as succeeded_after_state_change
    )
    select
      (select coalesce(json_agg(changed), '[]') from changed) as webhooks,
      (select coalesce(json_agg(id), '[]') from updated where status = 'dead' and not is_test) as dead`,
  );
  return result ?? { webhooks: [], dead: [] };
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
 * Hands claimed deliveries (`which`, a condition on `deliveries d`) back to the queue, due at once
 * and ahead of the rest: the attempt keeps its number and gets a history row saying why, and it
 * uses up no retry.
 */
export async function handBackClaims(db: Db, which: SQL, reason: string): Promise<number> {
  const [row] = await queryRows<{ count: number }>(
    db,
    sql`
      with handed as (
        update ${deliveries} d
        -- Due since the delivery was queued: first in line (the claim takes the longest due first).
        set claimed_by = null, next_attempt_at = d.created_at, updated_at = now(), error = ${reason},
            uncounted_attempts = d.uncounted_attempts + 1
        where d.claimed_by is not null and d.status in ('pending', 'retrying') and ${which}
        returning d.id, d.created_at, d.webhook_id, d.attempt
      ), history as (
        insert into ${deliveryAttempts} (delivery_id, delivery_created_at, webhook_id, attempt, success, error, duration_ms)
        select id, created_at, webhook_id, attempt, false, ${reason}, 0 from handed
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
