import { describeError } from "../errors";
import type { Logger } from "../logger";
import { type DeliveryMetrics, noDeliveryMetrics } from "../metrics/delivery";
import { claimDueDeliveries, returnUnsentClaims } from "../store/claim";
import type { Db } from "../store/db";
import type { StraightSender } from "../store/ingest-plan";
import { type AttemptRecord, type DeliveryJob, releaseDeliveries } from "../store/queue";
import { readFlow } from "../webhooks/flow";
import { type AttemptDeps, type Prepared, renderAttempt } from "./attempt";
import { deliveryLogFields, withWebhookSecretsMasked } from "./attempt-log";
import { createDeliver } from "./deliver";
import { createRecorder } from "./recorder";
import { digestSenders, eventsPerRequestTable } from "./render";
import { type RequestJobs, requests } from "./requests";
import type { RetryPolicy } from "./retry-policy";
import { createSignal } from "./signal";
import { createStraightSender } from "./straight";
import { createTokenWake } from "./token-wake";
import { createWebhookWindows, MAX_CLAIM_AHEAD } from "./windows";

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
  /** Ingest's way past the claim for new deliveries this process can send at once. */
  readonly straight: StraightSender;
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
  /** Deliveries claimed by this process and not yet recorded (sent or waiting in their window). */
  const inFlight = new Map<string, DeliveryJob>();
  /** Requests claimed and not yet recorded in all (a batch or a digest is one): what the process's concurrency counts. */
  let requestCount = 0;
  const windows = createWebhookWindows();
  let claimsStarted = 0;
  const perRequest = eventsPerRequestTable();
  const digests = digestSenders();
  const workArrived = createSignal();
  /** A request was recorded: the process has room for another. */
  const slotFreed = createSignal();
  /** A webhook's window has room for more than it has waiting: worth a claim. */
  const roomOpened = createSignal();
  let running: Promise<void> | undefined;
  let stopping = false;
  let lastClaimAt: Date | null = null;
  let lastClaimError: string | null = null;

  /**
   * Each launched request's message, rendered while it waits for its place: the place is then
   * held for the receiver's answer alone, and a webhook's max_in_flight goes further.
   */
  const renderedAhead = new WeakMap<RequestJobs, Promise<Prepared>>();
  const deliver = createDeliver(deps, settings, recorder, metrics, log);

  /** A claimed request: it waits in its webhook's window (in a place reserved for it) until it may be sent. */
  function launch(request: RequestJobs, reserved = false) {
    requestCount += 1;
    for (const job of request) inFlight.set(job.deliveryId, job);
    metrics.inFlight(request.length);
    renderedAhead.set(request, renderAttempt(request, deps));
    windows.add(request, reserved);
    sendStartable(request[0].webhook.id);
  }

  function sendStartable(webhookId: string) {
    if (stopping) return;
    for (const request of windows.startable(webhookId)) void send(request);
  }

  /** The request no longer counts against the process's concurrency. */
  function settled(request: RequestJobs) {
    requestCount -= 1;
    for (const job of request) inFlight.delete(job.deliveryId);
    metrics.inFlight(-request.length);
  }

  /**
   * Sends one request and records it. Its place at the receiver is freed as soon as the receiver
   * has taken it (delivered), so the webhook's next request goes without waiting for the commit;
   * otherwise once the outcome is committed, so that a failure's retry time, a 429's hold or a
   * switch-off is in the store before the webhook's next claim. A hold, or a destination gone,
   * sends the webhook's waiting requests back to the queue unsent.
   */
  async function send(request: RequestJobs) {
    const webhookId = request[0].webhook.id;
    let placeHeld = true;
    const freePlace = () => {
      if (!placeHeld) return;
      placeHeld = false;
      windows.done(webhookId);
      sendStartable(webhookId);
      if (windows.wantsMore(webhookId)) roomOpened.fire();
    };
    let withdrawn: RequestJobs[] = [];
    try {
      await deliver(
        request,
        (records) => {
          if (records.some((record) => record.throttle !== null || record.gone !== null)) {
            withdrawn = windows.holdOff(webhookId);
          } else if (records.every((record) => record.status === "delivered")) {
            freePlace();
          }
        },
        renderedAhead.get(request),
      );
      windows.holdCommitted(webhookId, claimsStarted);
      await returnUnsent(withdrawn);
    } catch (error) {
      log.error("delivery failed unexpectedly", {
        ...deliveryLogFields(request[0]),
        deliveries: request.length,
        error: withWebhookSecretsMasked(describeError(error), request[0].webhook),
      });
    } finally {
      freePlace();
      settled(request);
      slotFreed.fire();
      // In FIFO order the next delivery can be claimed once this one's outcome is committed (it
      // heads the queue until then), after its place was freed: the claim is woken again now.
      if (readFlow(request[0].webhook.flow).ordering === "fifo") roomOpened.fire();
    }
  }

  /** Claimed jobs never sent go back to the queue, due at once, their attempt uncounted. */
  async function returnNeverLaunched(jobs: DeliveryJob[]) {
    if (jobs.length === 0) return;
    // If this fails, their leases run out and they are claimed again.
    await returnUnsentClaims(db, settings.workerId, jobs).catch((error) =>
      log.error("could not return unsent deliveries to the queue", { error: describeError(error) }),
    );
  }

  /** The same for launched requests, which then no longer count against the concurrency. */
  async function returnUnsent(requests: RequestJobs[]) {
    await returnNeverLaunched(requests.flat());
    for (const request of requests) settled(request);
  }

  const straightPath = createStraightSender({
    ...settings,
    windows,
    freeRequests: () => settings.concurrency - requestCount,
    stopping: () => stopping,
    now: deps.now,
    launchReserved: (request) => {
      metrics.sentStraight(request.length);
      launch(request, true);
    },
    giveBack: returnNeverLaunched,
  });
  const tokenWake = createTokenWake(() => workArrived.fire());

  async function loop() {
    while (!stopping) {
      // Read before claiming: what happens while the claim runs wakes the wait after it at once.
      const seen = { work: workArrived.fired, room: roomOpened.fired, slot: slotFreed.fired };
      const room = settings.concurrency - requestCount - straightPath.reserved();
      // Claim in sizeable batches: wait for half a batch of room unless nothing is in flight.
      if (room <= 0 || (requestCount > 0 && room < Math.min(settings.claimBatch, settings.concurrency) / 2)) {
        await slotFreed.after(seen.slot);
        continue;
      }
      const limit = Math.min(room, settings.claimBatch);
      let jobs: DeliveryJob[];
      const claimNumber = ++claimsStarted;
      try {
        const started = performance.now();
        jobs = await claimDueDeliveries(db, {
          limit,
          leaseMs: settings.leaseMs,
          workerId: settings.workerId,
          requestsHeld: windows.held(),
          maxClaimAhead: MAX_CLAIM_AHEAD,
          eventsPerRequest: perRequest,
          digestSenders: digests,
        });
        metrics.claimed(jobs.length, (performance.now() - started) / 1000);
        lastClaimAt = deps.now();
        lastClaimError = null;
      } catch (error) {
        lastClaimError = describeError(error);
        log.error("could not claim deliveries", { error: lastClaimError });
        await workArrived.after(seen.work, settings.pollIntervalMs);
        continue;
      }
      if (stopping) {
        await returnNeverLaunched(jobs);
        break;
      }
      const heldOff = (job: DeliveryJob) => windows.claimedBeforeHold(job.webhook.id, claimNumber);
      await returnNeverLaunched(jobs.filter(heldOff));
      for (const group of requests(jobs.filter((job) => !heldOff(job)))) launch(group);
      tokenWake.afterClaim(jobs);
      // Less than the limit: every webhook with due work has its window full. Look again when
      // work arrives, when a window has room, or at the next poll.
      if (jobs.length < limit) {
        await Promise.race([
          workArrived.after(seen.work, settings.pollIntervalMs),
          roomOpened.after(seen.room),
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
    straight: straightPath.sender,
    deliverNow: async (job) => (await deliver([job]))[0] as AttemptRecord,
    async stop(graceMs) {
      stopping = true;
      tokenWake.stop();
      workArrived.fire();
      slotFreed.fire();
      roomOpened.fire();
      await running;
      await returnUnsent(windows.withdrawAll());
      const deadline = Date.now() + graceMs;
      while (inFlight.size > 0 && Date.now() < deadline) {
        await slotFreed.after(slotFreed.fired, deadline - Date.now());
      }
      const unfinished = [...inFlight.values()];
      if (unfinished.length > 0) {
        log.info("releasing deliveries still in flight", { count: unfinished.length });
        await releaseDeliveries(db, settings.workerId, unfinished);
      }
      await Promise.all([straightPath.idle(), recorder.flush()]);
      recorder.close();
    },
    status: () => ({ claiming: running !== undefined && !stopping, lastClaimAt, lastClaimError }),
  };
}
