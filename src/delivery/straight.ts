import type { StraightSender } from "../store/ingest-plan";
import type { DeliveryJob } from "../store/queue";
import type { WebhookRow } from "../store/webhooks";
import { readFlow } from "../webhooks/flow";
import { eventsPerRequest } from "./render";
import type { RequestJobs } from "./requests";
import type { WebhookWindows } from "./windows";

/** What of the engine the straight path uses. */
export interface StraightDeps {
  workerId: string;
  leaseMs: number;
  windows: WebhookWindows;
  /** Requests the process may still start under its concurrency (claims included). */
  freeRequests(): number;
  stopping(): boolean;
  now(): Date;
  /** Puts a request in its webhook's window, in a place reserved for it, and sends it when it may. */
  launchReserved(request: RequestJobs): void;
  /** Hands jobs that will not be sent back to the queue, due at once, their attempt uncounted. */
  giveBack(jobs: DeliveryJob[]): Promise<void>;
}

/**
 * New deliveries that skip the queue's claim: an ingest stores them already claimed by this
 * process (store/ingest.ts) and hands them over once committed, so a steady stream is sent
 * without a claim's round trip and without waking the claim loop. Only where a claim would have
 * sent them at once, with nothing to check in the database: a webhook that is neither paused nor
 * held by a 429, without a rate limit, FIFO order, dedup, digests or lossy queue, whose format sends one event
 * per request, with a free place in its window and none of its requests waiting there. Everything
 * else is queued for the claim as before. Stored claimed, they are as safe as claimed ones: if the
 * process dies, store/workers.ts hands them back, and the lease is the last resort. As with a
 * claim, a pause or a change committed while the ingest's statement ran is seen by the next one.
 */
export function createStraightSender(deps: StraightDeps) {
  let reservedInAll = 0;
  const givingBack = new Set<Promise<void>>();
  const giveBack = (jobs: DeliveryJob[]) => {
    for (const job of jobs) deps.windows.unreserve(job.webhook.id, 1);
    const given = deps.giveBack(jobs).finally(() => givingBack.delete(given));
    givingBack.add(given);
  };
  const sender: StraightSender = {
    workerId: deps.workerId,
    leaseMs: deps.leaseMs,
    reserve(webhook, count) {
      if (deps.stopping() || !sendsStraight(webhook, deps.now())) return 0;
      const room = deps.freeRequests() - reservedInAll;
      const reserved = deps.windows.reserve(webhook, Math.min(count, room));
      reservedInAll += reserved;
      return reserved;
    },
    send(jobs) {
      reservedInAll -= jobs.length;
      // A 429 (or a destination gone) that came while the ingest committed holds them back too.
      const sendable = (job: DeliveryJob) => !deps.stopping() && !deps.windows.wasHeld(job.webhook.id);
      for (const job of jobs.filter(sendable)) deps.launchReserved([job]);
      const held = jobs.filter((job) => !sendable(job));
      if (held.length > 0) giveBack(held);
    },
    release(webhookId, count) {
      reservedInAll -= count;
      deps.windows.unreserve(webhookId, count);
    },
  };
  return {
    sender,
    /** Places reserved for ingests under way: the claim leaves them out of the process's room. */
    reserved: () => reservedInAll,
    /** Resolves once the deliveries given back (the engine stopping, a hold) are in the queue again. */
    idle: () => Promise.all(givingBack).then(() => {}),
  };
}

/** Whether nothing in the database decides when a new delivery to this webhook may be sent. */
export function sendsStraight(webhook: WebhookRow, now: Date): boolean {
  const flow = readFlow(webhook.flow);
  return (
    !webhook.paused &&
    webhook.throttleReason === null &&
    (webhook.throttledUntil === null || webhook.throttledUntil <= now) &&
    flow.rate_limit === null &&
    flow.ordering === "unordered" &&
    flow.dedup === null &&
    flow.group === null &&
    // A lossy webhook keeps the newest of a flood: sent straight, the oldest of it would go first.
    !flow.lossy &&
    eventsPerRequest(webhook) === 1
  );
}
