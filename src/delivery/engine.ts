import { failure, type SendOutcome } from "../destinations/destination";
import { describeError } from "../errors";
import type { Logger } from "../logger";
import { type DeliveryMetrics, noDeliveryMetrics } from "../metrics/delivery";
import type { Db } from "../store/db";
import { type AttemptRecord, claimDueDeliveries, type DeliveryJob, releaseDeliveries } from "../store/queue";
import { type AttemptDeps, attemptDelivery } from "./attempt";
import { deliveryLogFields, logAttempt, withWebhookSecretsMasked } from "./attempt-log";
import { createRecorder } from "./recorder";
import { eventsPerRequest } from "./render";
import { nextStep, type RetryPolicy } from "./retry-policy";

export interface EngineSettings {
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

/**
 * One event's outcome in a request: its own where the receiver answered per event (a rejected
 * document fails for good, a throttled one is retried, the others are delivered), else the request's.
 */
function outcomeOfEvent(outcome: SendOutcome, index: number): SendOutcome {
  const own = outcome.perEvent?.[index];
  return own ? { ...outcome, ...own, perEvent: undefined } : outcome;
}

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
  });
  const inFlight = new Map<string, DeliveryJob>();
  const workArrived = createSignal();
  const slotFreed = createSignal();
  let running: Promise<void> | undefined;
  let stopping = false;
  let lastClaimAt: Date | null = null;
  let lastClaimError: string | null = null;

  function decide(job: DeliveryJob, outcome: SendOutcome): AttemptRecord {
    const step = job.isTest
      ? { status: outcome.success ? ("delivered" as const) : ("dead" as const) }
      : nextStep(outcome, job.attempt, job.webhook.retryCount, settings.retryPolicy);
    return {
      deliveryId: job.deliveryId,
      webhookId: job.webhook.id,
      attempt: job.attempt,
      status: step.status,
      nextAttemptAt: step.status === "retrying" ? new Date(deps.now().getTime() + step.delayMs) : null,
      statusCode: outcome.statusCode,
      success: outcome.success,
      error: outcome.error,
      durationMs: outcome.durationMs,
      responseExcerpt: outcome.responseExcerpt,
      warnings: outcome.warnings,
      countsForWebhook: !job.isTest,
    };
  }

  function tooOld(job: DeliveryJob): boolean {
    return (
      settings.maxDeliveryAgeMs > 0 &&
      deps.now().getTime() - job.createdAt.getTime() > settings.maxDeliveryAgeMs
    );
  }

  function discard(job: DeliveryJob): AttemptRecord {
    const ageLimit = `not delivered within ${settings.maxDeliveryAgeMs / 1000} s of the event's arrival`;
    return { ...decide(job, failure(ageLimit, false, 0)), status: "discarded", countsForWebhook: false };
  }

  /** Sends deliveries of one webhook as one request (one, unless its format batches) and records each. */
  async function deliver(jobs: DeliveryJob[]): Promise<AttemptRecord[]> {
    const fresh = jobs.filter((job) => !tooOld(job));
    const stale = jobs.filter(tooOld);
    const records = stale.map(discard);
    const [first, ...rest] = fresh;
    if (first) {
      const outcome = await attemptDelivery([first, ...rest], deps).catch((error: unknown) =>
        // Whatever went wrong, the deliveries get an outcome: unrecorded ones would be claimed again forever.
        failure(`cannot send: ${error instanceof Error ? error.message : String(error)}`, false, 0),
      );
      metrics.attempt(first.webhook.id, outcome.durationMs, outcome.statusCode);
      records.push(...fresh.map((job, index) => decide(job, outcomeOfEvent(outcome, index))));
    }
    await Promise.all(records.map((record) => recorder.record(record)));
    const now = deps.now();
    for (const [index, job] of [...stale, ...fresh].entries()) {
      metrics.finished(job, records[index] as AttemptRecord, now);
      logAttempt(log, job, records[index] as AttemptRecord);
    }
    return records;
  }

  function launch(jobs: [DeliveryJob, ...DeliveryJob[]]) {
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
        for (const job of jobs) inFlight.delete(job.deliveryId);
        metrics.inFlight(-jobs.length);
        slotFreed.fire();
      });
  }

  /** Claimed jobs as requests: each webhook's jobs in groups of as many as one request carries. */
  function requests(jobs: DeliveryJob[]): [DeliveryJob, ...DeliveryJob[]][] {
    const groups: [DeliveryJob, ...DeliveryJob[]][] = [];
    const open = new Map<string, DeliveryJob[]>();
    for (const job of jobs) {
      const size = eventsPerRequest(job.webhook);
      const group = open.get(job.webhook.id);
      if (size > 1 && group && group.length < size) {
        group.push(job);
        continue;
      }
      const started: [DeliveryJob, ...DeliveryJob[]] = [job];
      groups.push(started);
      if (size > 1) open.set(job.webhook.id, started);
    }
    return groups;
  }

  async function loop() {
    while (!stopping) {
      const room = settings.concurrency - inFlight.size;
      // Claim in sizeable batches: wait for half a batch of room unless nothing is in flight.
      if (
        room <= 0 ||
        (inFlight.size > 0 && room < Math.min(settings.claimBatch, settings.concurrency) / 2)
      ) {
        await slotFreed.wait();
        continue;
      }
      let jobs: DeliveryJob[];
      try {
        const started = performance.now();
        jobs = await claimDueDeliveries(db, Math.min(room, settings.claimBatch), settings.leaseMs);
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
        await releaseDeliveries(db, jobs);
        break;
      }
      for (const group of requests(jobs)) launch(group);
      if (jobs.length === 0) await workArrived.wait(settings.pollIntervalMs);
    }
  }

  return {
    start() {
      running ??= loop();
    },
    wake: () => workArrived.fire(),
    deliverNow: async (job) => (await deliver([job]))[0] as AttemptRecord,
    async stop(graceMs) {
      stopping = true;
      workArrived.fire();
      slotFreed.fire();
      await running;
      const deadline = Date.now() + graceMs;
      while (inFlight.size > 0 && Date.now() < deadline) await slotFreed.wait(deadline - Date.now());
      const unfinished = [...inFlight.values()];
      if (unfinished.length > 0) {
        log.info("releasing deliveries still in flight", { count: unfinished.length });
        await releaseDeliveries(db, unfinished);
      }
      await recorder.flush();
      recorder.close();
    },
    status: () => ({ claiming: running !== undefined && !stopping, lastClaimAt, lastClaimError }),
  };
}
