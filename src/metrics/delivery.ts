import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { AttemptRecord, DeliveryJob } from "../store/queue";

/** What the delivery engine reports; a no-op by default (`noDeliveryMetrics`). */
export interface DeliveryMetrics {
  /** One request to a receiver ended: how long it took, and whether the receiver throttled (429). */
  attempt(webhookId: string, durationMs: number, statusCode: number | null): void;
  /** A delivery's outcome was committed: delivered, retrying, dead or discarded. */
  finished(job: DeliveryJob, record: AttemptRecord, now: Date): void;
  /** Deliveries taken on (+n) or done with (-n). */
  inFlight(change: number): void;
  /** A claim from the queue: how many deliveries (0: it found none), and how long the query took. */
  claimed(size: number, seconds: number): void;
  /** New deliveries an ingest handed straight to the engine, without a claim. */
  sentStraight(size: number): void;
  /** A committed group of outcomes: how many, and how long the write took. */
  recorded(size: number, seconds: number): void;
}

export function noDeliveryMetrics(): DeliveryMetrics {
  const nothing = () => {};
  return {
    attempt: nothing,
    finished: nothing,
    inFlight: nothing,
    claimed: nothing,
    sentStraight: nothing,
    recorded: nothing,
  };
}

export const ATTEMPT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const LATENCY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21_600, 86_400];
const BATCH_BUCKETS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];
const QUERY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** The engine's metrics on `registry`. Labels are webhook ids (never URLs), formats and outcomes. */
export function createDeliveryMetrics(registry: Registry): DeliveryMetrics {
  const registers = [registry];
  const finished = new Counter({
    name: "herald_deliveries_total",
    help: "Delivery attempts whose outcome was committed, by webhook id, format and outcome",
    labelNames: ["webhook", "format", "outcome"] as const,
    registers,
  });
  const attemptSeconds = new Histogram({
    name: "herald_attempt_duration_seconds",
    help: "Time of one request to a receiver (all parts of a split message), by webhook id",
    labelNames: ["webhook"] as const,
    buckets: ATTEMPT_BUCKETS,
    registers,
  });
  const latency = new Histogram({
    name: "herald_delivery_latency_seconds",
    help: "From the event's arrival to its delivery being committed as delivered, by webhook id",
    labelNames: ["webhook"] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const throttled = new Counter({
    name: "herald_throttled_total",
    help: "Requests a receiver answered 429 (the webhook pauses for its Retry-After), by webhook id",
    labelNames: ["webhook"] as const,
    registers,
  });
  const inFlight = new Gauge({
    name: "herald_deliveries_in_flight",
    help: "Deliveries claimed by this process and not yet recorded",
    registers,
  });
  const batch = (name: string, help: string, buckets: number[]) =>
    new Histogram({ name, help, buckets, registers });
  const claimSize = batch("herald_claim_batch_size", "Deliveries per non-empty claim", BATCH_BUCKETS);
  const claimSeconds = batch(
    "herald_claim_duration_seconds",
    "Time of a non-empty claim query",
    QUERY_BUCKETS,
  );
  const claims = new Counter({
    name: "herald_claim_queries_total",
    help: "Claim queries answered, those that found nothing to send included",
    registers,
  });
  const straight = new Counter({
    name: "herald_deliveries_sent_straight_total",
    help: "New deliveries an ingest handed straight to this process's engine, without a claim",
    registers,
  });
  const recordSize = batch("herald_record_batch_size", "Outcomes per group commit", BATCH_BUCKETS);
  const recordSeconds = batch("herald_record_duration_seconds", "Time of a group commit", QUERY_BUCKETS);

  return {
    attempt(webhookId, durationMs, statusCode) {
      attemptSeconds.observe({ webhook: webhookId }, durationMs / 1000);
      if (statusCode === 429) throttled.inc({ webhook: webhookId });
    },
    finished(job, record, now) {
      const webhook = job.webhook.id;
      finished.inc({ webhook, format: job.webhook.format, outcome: record.status });
      if (record.status === "delivered") {
        latency.observe({ webhook }, Math.max(0, now.getTime() - job.createdAt.getTime()) / 1000);
      }
    },
    inFlight: (change) => inFlight.inc(change),
    claimed(size, seconds) {
      claims.inc();
      if (size === 0) return;
      claimSize.observe(size);
      claimSeconds.observe(seconds);
    },
    sentStraight: (size) => straight.inc(size),
    recorded(size, seconds) {
      recordSize.observe(size);
      recordSeconds.observe(seconds);
    },
  };
}
