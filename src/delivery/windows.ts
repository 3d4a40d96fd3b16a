import type { WebhookRow } from "../store/webhooks";
import { readFlow } from "../webhooks/flow";
import type { RequestJobs } from "./requests";

/**
 * How far ahead of its sending the engine may claim for a webhook: up to this many times its
 * max_in_flight in requests, the rest waiting here in memory. The next requests are then at hand
 * the moment a receiver answers, rather than a claim's round trip later, and a claim can take
 * many at once. The claim lowers it for a webhook whose timeout_ms would put its last waiting
 * request's end past the lease (store/claim.ts), and it bounds what a hanging receiver holds of
 * the process's HERALD_DELIVERY_CONCURRENCY: four times its max_in_flight.
 */
export const MAX_CLAIM_AHEAD = 4;

/** A webhook's window: the requests being sent, and those claimed and waiting for a place. */
interface Window {
  sending: number;
  waiting: RequestJobs[];
  /** Places promised to deliveries that an ingest under way will hand over (delivery/straight.ts). */
  reserved: number;
  /** How many may be sent at once, as the webhook's row said at its latest claim. */
  places: number;
  /** That row: a claim's jobs share their webhook's row, so `places` is read once per claim. */
  row: WebhookRow | null;
}

/**
 * Each webhook's requests in this process: at most its `max_in_flight` are sent at once (one
 * while a 429 hold is being probed), the other claimed ones wait, in claim order.
 */
export function createWebhookWindows() {
  const windows = new Map<string, Window>();
  /**
   * Webhooks whose receiver asked to hold off (a 429, or the destination is gone), each with the
   * number of the last claim started before that outcome was committed (null until it is): such
   * a claim did not see the hold, so what it took of the webhook must go back unsent.
   */
  const holds = new Map<string, number | null>();

  const forget = (webhookId: string, window: Window) => {
    if (window.sending === 0 && window.waiting.length === 0 && window.reserved === 0)
      windows.delete(webhookId);
  };
  const windowOf = (webhook: WebhookRow): Window => {
    const window = windows.get(webhook.id) ?? { sending: 0, waiting: [], reserved: 0, places: 0, row: null };
    if (window.row !== webhook) [window.row, window.places] = [webhook, placesOf(webhook)];
    windows.set(webhook.id, window);
    return window;
  };

  return {
    /** Queues a claimed request behind the others of its webhook; `reserved`: it takes a reserved place. */
    add(request: RequestJobs, reserved = false) {
      const window = windowOf(request[0].webhook);
      if (reserved) window.reserved -= 1;
      window.waiting.push(request);
    },
    /**
     * Reserves up to `wanted` places for requests to be sent as soon as an ingest commits them:
     * only places free now, and none while the webhook has requests waiting (they go first) or
     * once its receiver asked this process to hold off (from then on, for the life of the
     * process, its deliveries are claimed: the claim knows when the hold ends).
     */
    reserve(webhook: WebhookRow, wanted: number): number {
      if (holds.has(webhook.id)) return 0;
      // The row is the ingest's, which may be stale until its statement commits: it may lower the
      // places for this reservation but not change the window's, which the claims' rows set.
      const window = windows.get(webhook.id) ?? windowOf(webhook);
      const places = Math.min(window.places, placesOf(webhook));
      const free = window.waiting.length > 0 ? 0 : places - window.sending - window.reserved;
      const reserved = Math.max(0, Math.min(wanted, free));
      window.reserved += reserved;
      forget(webhook.id, window);
      return reserved;
    },
    /** Gives back places reserved for an ingest that did not commit. */
    unreserve(webhookId: string, count: number) {
      const window = windows.get(webhookId);
      if (!window) return;
      window.reserved -= count;
      forget(webhookId, window);
    },
    /** The webhook's waiting requests that may start now; each counts as sending until `done`. */
    startable(webhookId: string): RequestJobs[] {
      const window = windows.get(webhookId);
      if (!window) return [];
      const started: RequestJobs[] = [];
      while (window.waiting.length > 0 && window.sending < window.places) {
        started.push(window.waiting.shift() as RequestJobs);
        window.sending += 1;
      }
      return started;
    },
    /** A request of the webhook no longer holds a place at its receiver. */
    done(webhookId: string) {
      const window = windows.get(webhookId);
      if (!window) return;
      window.sending -= 1;
      forget(webhookId, window);
    },
    /**
     * Whether a claim would be worth it for the webhook: at most half its places' worth waits.
     * Claiming at every freed place would make many small claims.
     */
    wantsMore(webhookId: string): boolean {
      const window = windows.get(webhookId);
      return !window || window.waiting.length <= Math.floor(window.places / 2);
    },
    /** The webhook's receiver asked to hold off: its waiting requests, taken out unsent. */
    holdOff(webhookId: string): RequestJobs[] {
      holds.set(webhookId, null);
      return this.withdraw(webhookId);
    },
    /** The hold is in the store, so claims started after `claimsStarted` see it. */
    holdCommitted(webhookId: string, claimsStarted: number) {
      if (holds.get(webhookId) === null) holds.set(webhookId, claimsStarted);
    },
    /** Whether the webhook's receiver asked this process to hold off, ever. */
    wasHeld: (webhookId: string) => holds.has(webhookId),
    /** Whether claim number `claim` started before the webhook's hold was committed. */
    claimedBeforeHold(webhookId: string, claim: number): boolean {
      const hold = holds.get(webhookId);
      return hold !== undefined && (hold === null || claim <= hold);
    },
    /** Takes the webhook's waiting requests out, unsent. */
    withdraw(webhookId: string): RequestJobs[] {
      const window = windows.get(webhookId);
      if (!window) return [];
      const withdrawn = window.waiting.splice(0);
      forget(webhookId, window);
      return withdrawn;
    },
    /** Every waiting request, taken out unsent (the engine is stopping). */
    withdrawAll(): RequestJobs[] {
      return [...windows.keys()].flatMap((webhookId) => this.withdraw(webhookId));
    },
    /** Requests held per webhook, sending, waiting or reserved: what the claim counts against max_in_flight. */
    held(): Map<string, number> {
      return new Map(
        [...windows].map(([id, window]) => [id, window.sending + window.waiting.length + window.reserved]),
      );
    },
  };
}

export type WebhookWindows = ReturnType<typeof createWebhookWindows>;

/** Requests a webhook may have at its receiver at once: one while a 429 hold is being probed. */
function placesOf(webhook: WebhookRow): number {
  return webhook.throttleReason !== null ? 1 : readFlow(webhook.flow).max_in_flight;
}
