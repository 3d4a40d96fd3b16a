import { failure, type SendOutcome } from "../destinations/destination";
import type { AttemptRecord, DeliveryJob } from "../store/queue";
import { readFlow } from "../webhooks/flow";
import type { AttemptOutcome } from "./attempt";
import { nextStep, type RetryPolicy } from "./retry-policy";

/**
 * One event's outcome in a request: its own where the receiver answered per event (a rejected
 * document fails for good, a throttled one is retried, the others are delivered), else the request's.
 */
export function outcomeOfEvent<Outcome extends SendOutcome>(outcome: Outcome, index: number): Outcome {
  const own = outcome.perEvent?.[index];
  return own ? { ...outcome, ...own, perEvent: undefined } : outcome;
}

/**
 * What becomes of a delivery after an attempt. A throttled attempt waits for the receiver's
 * Retry-After (at most `retryAfterMaxSeconds`; without one, the retry schedule's delay) and uses
 * up neither a retry nor the webhook's failure count: the age limit bounds how long it waits.
 * An answer saying the destination is gone makes the delivery dead and carries the receiver's
 * words to the recording, which disables the webhook; a test delivery never does.
 */
export function decideAttempt(
  job: DeliveryJob,
  outcome: AttemptOutcome,
  now: Date,
  policy: RetryPolicy,
): AttemptRecord {
  const base = {
    deliveryId: job.deliveryId,
    deliveryCreatedAt: job.createdAt,
    webhookId: job.webhook.id,
    attempt: job.attempt,
    statusCode: outcome.statusCode,
    success: outcome.success,
    error: outcome.error,
    durationMs: outcome.durationMs,
    responseExcerpt: outcome.responseExcerpt,
    warnings: outcome.warnings,
    // A batch's deliveries share their request: each one's history shows it.
    request: outcome.request ?? null,
  };
  if (job.isTest) {
    const status = outcome.success ? ("delivered" as const) : ("dead" as const);
    return { ...base, status, nextAttemptAt: null, countsForWebhook: false, throttle: null, gone: null };
  }
  if (outcome.gone) {
    return {
      ...base,
      status: "dead",
      nextAttemptAt: null,
      countsForWebhook: true,
      throttle: null,
      gone: outcome.gone,
    };
  }
  // The destination says whether its receiver throttled (HTTP: a 429, or a 503 saying for how long).
  if (outcome.throttled) {
    // Without a Retry-After, throttled attempts back off along the retry schedule.
    const backoff = nextStep(
      { success: false, retryable: true, retryAfterMs: null },
      job.uncountedAttempts + 1,
      Number.POSITIVE_INFINITY,
      policy,
    );
    const backoffMs = backoff.status === "retrying" ? backoff.delayMs : 0;
    const waitMs = Math.min(outcome.retryAfterMs ?? backoffMs, policy.retryAfterMaxSeconds * 1000);
    const until = new Date(now.getTime() + waitMs);
    const asked =
      outcome.retryAfterMs === null ? "" : `, asking to wait ${Math.ceil(outcome.retryAfterMs / 1000)} s`;
    const reason = `${outcome.error ?? "the receiver throttled"}${asked}`;
    return {
      ...base,
      status: "retrying",
      nextAttemptAt: until,
      countsForWebhook: false,
      throttle: { until, reason },
      gone: null,
    };
  }
  const step = nextStep(outcome, job.attempt - job.uncountedAttempts, job.webhook.retryCount, policy);
  return {
    ...base,
    status: step.status,
    nextAttemptAt: step.status === "retrying" ? new Date(now.getTime() + step.delayMs) : null,
    countsForWebhook: true,
    throttle: null,
    gone: null,
  };
}

/**
 * The records of one request's retries share one retry time, the first one's: the jitter is drawn
 * once per request, not per delivery, so a batch is retried as the batch it was, together.
 * A throttled record keeps its own time (the receiver's, the same for all of them).
 */
export function retryTogether(records: AttemptRecord[]): AttemptRecord[] {
  const retries = (record: AttemptRecord) => record.status === "retrying" && record.throttle === null;
  const at = records.find(retries)?.nextAttemptAt;
  return at
    ? records.map((record) => (retries(record) ? { ...record, nextAttemptAt: at } : record))
    : records;
}

/** The age after which a webhook's deliveries are discarded unsent: its own, or the process's (0: never). */
export function maxAgeMs(job: DeliveryJob, defaultMaxAgeMs: number): number {
  const own = readFlow(job.webhook.flow).discard_after_s;
  return own === null ? defaultMaxAgeMs : own * 1000;
}

export function isTooOld(job: DeliveryJob, now: Date, defaultMaxAgeMs: number): boolean {
  const limit = maxAgeMs(job, defaultMaxAgeMs);
  return limit > 0 && now.getTime() - job.createdAt.getTime() > limit;
}

export function discardRecord(
  job: DeliveryJob,
  now: Date,
  defaultMaxAgeMs: number,
  policy: RetryPolicy,
): AttemptRecord {
  const ageLimit = `not delivered within ${maxAgeMs(job, defaultMaxAgeMs) / 1000} s of the event's arrival`;
  const record = decideAttempt(job, failure(ageLimit, false, 0), now, policy);
  return { ...record, status: "discarded", nextAttemptAt: null, countsForWebhook: false };
}
