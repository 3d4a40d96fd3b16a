import { failure } from "../destinations/destination";
import type { Logger } from "../logger";
import type { DeliveryMetrics } from "../metrics/delivery";
import type { AttemptRecord, DeliveryJob } from "../store/queue";
import { type AttemptDeps, attemptDelivery, type Prepared } from "./attempt";
import { logAttempt } from "./attempt-log";
import { decideAttempt, discardRecord, isTooOld, outcomeOfEvent, retryTogether } from "./decide";
import type { Recorder } from "./recorder";
import type { RetryPolicy } from "./retry-policy";

/**
 * Sends one webhook's deliveries as one request (its message `prepared` ahead, or rendered now),
 * decides each one's outcome, and records each; `answered` sees the outcomes first. Deliveries
 * older than the webhook's age limit are discarded unsent.
 */
export function createDeliver(
  deps: AttemptDeps,
  settings: { maxDeliveryAgeMs: number; retryPolicy: RetryPolicy },
  recorder: Recorder,
  metrics: DeliveryMetrics,
  log: Logger,
) {
  return async function deliver(
    jobs: DeliveryJob[],
    answered: (records: AttemptRecord[]) => void = () => {},
    prepared?: Promise<Prepared>,
  ): Promise<AttemptRecord[]> {
    const now = deps.now();
    const tooOld = (job: DeliveryJob) => isTooOld(job, now, settings.maxDeliveryAgeMs);
    const fresh = jobs.filter((job) => !tooOld(job));
    const stale = jobs.filter(tooOld);
    const records = stale.map((job) =>
      discardRecord(job, now, settings.maxDeliveryAgeMs, settings.retryPolicy),
    );
    const [first, ...rest] = fresh;
    if (first) {
      const ahead = stale.length === 0 ? prepared : undefined; // rendered with the stale ones: again
      const outcome = await attemptDelivery([first, ...rest], deps, ahead).catch((error: unknown) =>
        // Whatever went wrong, the deliveries get an outcome: unrecorded ones would be claimed again forever.
        failure(`cannot send: ${error instanceof Error ? error.message : String(error)}`, false, 0),
      );
      metrics.attempt(first.webhook.id, outcome.durationMs, outcome.statusCode);
      const answeredAt = deps.now();
      const decided = fresh.map((job, index) =>
        decideAttempt(job, outcomeOfEvent(outcome, index), answeredAt, settings.retryPolicy),
      );
      records.push(...retryTogether(decided));
    }
    answered(records);
    await Promise.all(records.map((record) => recorder.record(record)));
    const recordedAt = deps.now();
    for (const [index, job] of [...stale, ...fresh].entries()) {
      metrics.finished(job, records[index] as AttemptRecord, recordedAt);
      logAttempt(log, job, records[index] as AttemptRecord);
    }
    return records;
  };
}
