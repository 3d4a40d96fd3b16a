import { failure } from "../destinations/destination";
import { describeError } from "../errors";
import type { Logger } from "../logger";
import { type DeliveryMetrics, noDeliveryMetrics } from "../metrics/delivery";
import { claimDueDeliveries } from "../store/claim";
import type { Db } from "../store/db";
import { type AttemptRecord, type DeliveryJob, releaseDeliveries } from "../store/queue";
import { readFlow } from "../webhooks/flow";
import { type AttemptDeps, attemptDelivery } from "./attempt";
import { deliveryLogFields, logAttempt, withWebhookSecretsMasked } from "./attempt-log";
import { decideAttempt, discardRecord, isTooOld, outcomeOfEvent, retryTogether } from "./decide";
import { createRecorder } from "./recorder";
import { digestSenders, eventsPerRequestTable } from "./render";
import { type RequestJobs, requests } from "./requests";
import type { RetryPolicy } from "./retry-policy";

export interface EngineSettings {
  /** This process's worker id (store/workers.ts), written on every claim. */
  workerId: string;
  concurrency: number;
  claimBatch: number;
  pollIntervalMs: number;
  leaseMs: number;
  failureThreshold: number;
  /** 0: never discard. */
  maxDeliveryAgeMs: number;
  retryPolicy: RetryPolicy;
}

export interface DeliveryEngine {
  /** The worker id its claims carry. */
  readonly workerId: string;
  start(): void;
  /** New deliveries were queued: look for work now rather than at the next poll. */
  wake(): void;
  /** Sends one job at once and records it (the test endpoint). */
  deliverNow(job: DeliveryJob): Promise<AttemptRecord>;
  /** Stops claiming, lets in-flight deliveries finish for up to `graceMs`, releases the rest. */
  stop(graceMs: number): Promise<void>;
  /** Whether it is claiming work, when it last did, and why its last claim failed if it did. */
  status(): EngineStatus;
}

export interface EngineStatus {
  claiming: boolean;
  lastClaimAt: Date | null;
  lastClaimError: string | null;
}

const never = new Promise<void>(() => {});

/** A promise that can be resolved from outside, re-armed after each use. */
function createSignal() {
  let resolve: () => void = () => {};
  let promise = new Promise<void>((r) => (resolve = r));
  return {
    wait(timeoutMs?: number): Promise<void> {
      if (timeoutMs === undefined) return promise;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
      return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
    },
    fire() {
      resolve();
      promise = new Promise<void>((r) => (resolve = r));
    },
  };
}

/**
 * The delivery engine: claims due deliveries in batches, renders and sends each through its
 * destination, and records the outcome (delivered, retrying with backoff, dead or discarded).
 * Runs in every Herald process; processes share the queue through the database.
 */
export function createDeliveryEngine(
  db: Db,
  deps: AttemptDeps,
  settings: EngineSettings,
  log: Logger,
  metrics: DeliveryMetrics = noDeliveryMetrics(),
): DeliveryEngine {
  const recorder = createRecorder(db, {
    failureThreshold: settings.failureThreshold,
    maxBatch: 1000,
    onWritten: metrics.recorded,
    onError: (error) =>
      log.error("could not record delivery attempts; retrying", { error: describeError(error) }),
    onOperatorEventsError: (error) =>
      log.error("could not emit operator events", { error: describeError(error) }),
  });
  const inFlight = new Map<string, DeliveryJob>();
  /** Requests being sent, by webhook id: what each webhook's max_in_flight is counted against. */
  const requestsInFlight = new Map<string, number>();
  /** Requests being sent in all (a batch or a digest is one): what the process's concurrency counts. */
  let requestCount = 0;
  const perRequest = eventsPerRequestTable();
  const digests = digestSenders();
  const workArrived = createSignal();
  const slotFreed = createSignal();
  let running: Promise<void> | undefined;
  let stopping = false;
  let lastClaimAt: Date | null = null;
  let lastClaimError: string | null = null;

  /** Sends deliveries of one webhook as one request (one, unless its format batches) and records each. */
  async function deliver(jobs: DeliveryJob[]): Promise<AttemptRecord[]> {
    const now = deps.now();
    const tooOld = (job: DeliveryJob) => isTooOld(job, now, settings.maxDeliveryAgeMs);
    const fresh = jobs.filter((job) => !tooOld(job));
    const stale = jobs.filter(tooOld);
    const records = stale.map((job) =>
      discardRecord(job, now, settings.maxDeliveryAgeMs, settings.retryPolicy),
    );
    const [first, ...rest] = fresh;
    if (first) {
      const outcome = await attemptDelivery([first, ...rest], deps).catch((error: unknown) =>
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
    await Promise.all(records.map((record) => recorder.record(record)));
    const recordedAt = deps.now();
    for (const [index, job] of [...stale, ...fresh].entries()) {
      metrics.finished(job, records[index] as AttemptRecord, recordedAt);
      logAttempt(log, job, records[index] as AttemptRecord);
    }
    return records;
  }

  /** One request's worth of one webhook's jobs. */
  function launch(jobs: RequestJobs) {
    const webhookId = jobs[0].webhook.id;
    requestsInFlight.set(webhookId, (requestsInFlight.get(webhookId) ?? 0) + 1);
    requestCount += 1;
    for (const job of jobs) inFlight.set(job.deliveryId, job);
    metrics.inFlight(jobs.length);
    deliver(jobs)
      .catch((error) =>
        log.error("delivery failed unexpectedly", {
          ...deliveryLogFields(jobs[0]),
          deliveries: jobs.length,
          error: withWebhookSecretsMasked(describeError(error), jobs[0].webhook),
        }),
      )
      .finally(() => {
        const left = (requestsInFlight.get(webhookId) ?? 1) - 1;
        if (left > 0) requestsInFlight.set(webhookId, left);
        else requestsInFlight.delete(webhookId);
        requestCount -= 1;
        for (const job of jobs) inFlight.delete(job.deliveryId);
        metrics.inFlight(-jobs.length);
        slotFreed.fire();
      });
  }

  let tokenTimer: NodeJS.Timeout | undefined;
  /**
   * A rate-limited webhook's next token is free 1/per_second after the last one was spent: look
   * again then, not only at the next poll, or a rate above burst per poll could never be reached.
   */
  function wakeForNextToken(jobs: DeliveryJob[]) {
    const webhooks = new Map(jobs.map((job) => [job.webhook.id, job.webhook]));
    const rates = [...webhooks.values()].map((webhook) => readFlow(webhook.flow).rate_limit?.per_second ?? 0);
    const fastest = Math.max(0, ...rates);
    if (fastest === 0 || tokenTimer) return;
    tokenTimer = setTimeout(() => {
      tokenTimer = undefined;
      workArrived.fire();
    }, 1000 / fastest);
    tokenTimer.unref();
  }

  async function loop() {
    while (!stopping) {
      const room = settings.concurrency - requestCount;
      // Claim in sizeable batches: wait for half a batch of room unless nothing is in flight.
      if (room <= 0 || (requestCount > 0 && room < Math.min(settings.claimBatch, settings.concurrency) / 2)) {
        await slotFreed.wait();
        continue;
      }
      let jobs: DeliveryJob[];
      try {
        const started = performance.now();
        jobs = await claimDueDeliveries(db, {
          limit: Math.min(room, settings.claimBatch),
          leaseMs: settings.leaseMs,
          workerId: settings.workerId,
          requestsInFlight,
          eventsPerRequest: perRequest,
          digestSenders: digests,
        });
        if (jobs.length > 0) metrics.claimed(jobs.length, (performance.now() - started) / 1000);
        lastClaimAt = deps.now();
        lastClaimError = null;
      } catch (error) {
        lastClaimError = describeError(error);
        log.error("could not claim deliveries", { error: lastClaimError });
        await workArrived.wait(settings.pollIntervalMs);
        continue;
      }
      if (stopping) {
        await releaseDeliveries(db, settings.workerId, jobs);
        break;
      }
      for (const group of requests(jobs)) launch(group);
      wakeForNextToken(jobs);
      // Nothing due, or every webhook with work at its max_in_flight: look again when work
      // arrives, or when a delivery ends and frees its webhook a slot, or at the next poll.
      if (jobs.length === 0) {
        await Promise.race([
          workArrived.wait(settings.pollIntervalMs),
          inFlight.size > 0 ? slotFreed.wait() : never,
        ]);
      }
    }
  }

  return {
    workerId: settings.workerId,
    start() {
      running ??= loop();
    },
    wake: () => workArrived.fire(),
    deliverNow: async (job) => (await deliver([job]))[0] as AttemptRecord,
    async stop(graceMs) {
      stopping = true;
      clearTimeout(tokenTimer);
      workArrived.fire();
      slotFreed.fire();
      await running;
      const deadline = Date.now() + graceMs;
      while (inFlight.size > 0 && Date.now() < deadline) await slotFreed.wait(deadline - Date.now());
      const unfinished = [...inFlight.values()];
      if (unfinished.length > 0) {
        log.info("releasing deliveries still in flight", { count: unfinished.length });
        await releaseDeliveries(db, settings.workerId, unfinished);
      }
      await recorder.flush();
      recorder.close();
    },
    status: () => ({ claiming: running !== undefined && !stopping, lastClaimAt, lastClaimError }),
  };
}
