import { HERALD_SOURCE } from "../events/catalog";
import type { HeraldEvent } from "../events/event";
import { type Subscription, subscriptionMatches } from "../events/matching";
import type { Severity } from "../events/severity";
import type { DeliveryJob } from "./queue";
import type { WebhookRow } from "./webhooks";

/**
 * The delivery engine's way past the claim for new deliveries it can send at once
 * (delivery/straight.ts): ingest stores them claimed by `workerId` and hands them over committed.
 */
export interface StraightSender {
  workerId: string;
  leaseMs: number;
  /** Reserves places for up to `count` new deliveries to the webhook; answers how many it got. */
  reserve(webhook: WebhookRow, count: number): number;
  /** The ingest committed: the reserved deliveries, stored claimed, to be sent. */
  send(jobs: DeliveryJob[]): void;
  /** Places reserved for the webhook that no delivery took (the ingest failed, or its event was a duplicate). */
  release(webhookId: string, count: number): void;
}

/** Where a batch's events go, worked out before they are stored. */
export interface IngestPlan {
  events: PlannedEvent[];
  deliveries: PlannedDelivery[];
  /** Places the engine reserved for deliveries sent straight, by webhook id. */
  reserved: Map<string, number>;
  /** Ends the reservations' watch: whether they are still this ingest's to use or give back. */
  settle(): boolean;
}

export interface PlannedEvent {
  event: HeraldEvent;
  /** Source and id: what makes an event the same as one stored before. */
  identity: string;
  /** A second copy of an event in one batch is a duplicate, whatever the store says. */
  firstCopy: boolean;
}

export interface PlannedDelivery {
  /** Its event's index in the batch. */
  index: number;
  webhook: WebhookRow;
  /** Stored claimed by the engine's worker, to be handed to it once committed. */
  straight: boolean;
}

/**
 * One delivery per event (its first copy in the batch) and matching webhook, and with `straight`
 * the first ones of each webhook that the engine has places for marked to be sent at once.
 */
export function planIngest(
  batch: HeraldEvent[],
  subscribers: WebhookRow[],
  straight?: StraightSender,
): IngestPlan {
  const seen = new Set<string>();
  const events = batch.map((event) => {
    const id = identity(event);
    const firstCopy = !seen.has(id);
    seen.add(id);
    return { event, identity: id, firstCopy };
  });
  const deliveries = events.flatMap(({ event, firstCopy }, index) => {
    if (!firstCopy) return [];
    const about = webhookAbout(event);
    return subscribers
      .filter((webhook) => webhook.id !== about && subscriptionMatches(asSubscription(webhook), event))
      .map((webhook) => ({ index, webhook, straight: false }));
  });
  const reserved = new Map<string, number>();
  if (!straight) return { events, deliveries, reserved, settle: () => true };
  reserveStraight(deliveries, straight, reserved);
  return { events, deliveries, reserved, settle: watchReservations(reserved, straight) };
}

/**
 * An ingest whose statement never settles (a connection dropped under it; api/events.ts has
 * answered 503 long before) must not keep the engine's places: they are given back once a lease
 * has passed. If it does settle after that, what it stored claimed waits for that lease to end
 * and is claimed then, like a claim's deliveries whose worker stopped answering.
 */
function watchReservations(reserved: Map<string, number>, straight: StraightSender): () => boolean {
  if (reserved.size === 0) return () => true;
  let ours = true;
  const timer = setTimeout(() => {
    ours = false;
    for (const [webhookId, count] of reserved) straight.release(webhookId, count);
  }, straight.leaseMs);
  timer.unref();
  return () => {
    clearTimeout(timer);
    return ours;
  };
}

function reserveStraight(
  deliveries: PlannedDelivery[],
  straight: StraightSender,
  reserved: Map<string, number>,
) {
  const wanted = new Map<WebhookRow, number>();
  for (const { webhook } of deliveries) wanted.set(webhook, (wanted.get(webhook) ?? 0) + 1);
  for (const [webhook, count] of wanted) {
    const got = straight.reserve(webhook, count);
    if (got > 0) reserved.set(webhook.id, got);
  }
  const left = new Map(reserved);
  for (const delivery of deliveries) {
    const places = left.get(delivery.webhook.id) ?? 0;
    if (places === 0) continue;
    left.set(delivery.webhook.id, places - 1);
    delivery.straight = true;
  }
}

/** The columns that store a delivery claimed by the engine's worker (none without a sender). */
export function claimedBy(straight: StraightSender | undefined) {
  return straight && { claimed_by: straight.workerId, lease_ms: straight.leaseMs };
}

export function identity(event: { source: string; id: string }): string {
  return `${event.source}\u0000${event.id}`;
}

/** The webhook one of Herald's own events is about: it never receives it (no loops). */
function webhookAbout(event: HeraldEvent): unknown {
  return event.source === HERALD_SOURCE && event.type.startsWith("herald.")
    ? event.data.webhook_id
    : undefined;
}

function asSubscription(webhook: {
  eventTypes: string[];
  eventsPolicy: "include" | "exclude";
  minSeverity: string;
}) {
  return { ...webhook, minSeverity: webhook.minSeverity as Severity } satisfies Subscription;
}
