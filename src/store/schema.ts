import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  index,
  integer,
  json,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { DELIVERY_STATUSES, type DeliveryStatus } from "./delivery-statuses";

/** A webhook's destination: its kind and its settings side by side (src/destinations/). */
export type WebhookDestination = { kind: string } & Record<string, unknown>;

/** A webhook's flow-control settings as stored; src/webhooks/flow.ts checks and completes them. */
export type WebhookFlow = Record<string, unknown>;

const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();

export const apiKeys = pgTable("api_keys", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  role: text("role").notNull(),
  /** SHA-256 of the key: keys are 256 random bits, so a fast hash is enough. */
  keyHash: text("key_hash").notNull().unique(),
  /** The first characters of the key, so an operator can tell keys apart. */
  prefix: text("prefix").notNull(),
  /** The config file (HERALD_CONFIG) that declared the key; null for keys made through the API or CLI. */
  managedBy: text("managed_by"),
  createdAt: createdAt(),
});

export const webhooks = pgTable(
  "webhooks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    url: text("url").notNull(),
    secret: text("secret"),
    /** The secret a rotation replaced: it signs beside `secret` until `previous_secret_until`. */
    previousSecret: text("previous_secret"),
    previousSecretUntil: timestamp("previous_secret_until", { withTimezone: true, mode: "date" }),
    eventTypes: jsonb("event_types").$type<string[]>().notNull(),
    eventsPolicy: text("events_policy").$type<"include" | "exclude">().notNull(),
    minSeverity: text("min_severity").notNull(),
    format: text("format").notNull(),
    options: jsonb("options").$type<Record<string, unknown>>().notNull(),
    template: text("template"),
    method: text("method").$type<"POST" | "PUT">().notNull(),
    headers: jsonb("headers").$type<Record<string, string>>().notNull(),
    /** Where deliveries go: {kind, ...settings}, checked by that destination's settings schema. */
    destination: jsonb("destination").$type<WebhookDestination>().notNull(),
    timeoutMs: integer("timeout_ms").notNull(),
    connectTimeoutMs: integer("connect_timeout_ms").notNull(),
    retryCount: integer("retry_count").notNull(),
    /** False when disabled (by an operator, or by the failure threshold with `disabled_reason`). */
    isActive: boolean("is_active").notNull(),
    /** Paused by an operator: deliveries queue up and nothing is sent until resumed. */
    paused: boolean("paused").notNull().default(false),
    /** Who last changed the state (active, paused, disabled), and when. */
    stateChangedBy: text("state_changed_by"),
    stateChangedAt: timestamp("state_changed_at", { withTimezone: true, mode: "date" }),
    /** Flow-control settings (src/webhooks/flow.ts): max_in_flight, rate_limit, ordering, … */
    flow: jsonb("flow").$type<WebhookFlow>().notNull().default({}),
    /** A receiver's 429 (or 503 with Retry-After) holds the whole webhook until then. */
    throttledUntil: timestamp("throttled_until", { withTimezone: true, mode: "date" }),
    throttleReason: text("throttle_reason"),
    /** The rate limit's theoretical arrival time (GCRA): the next delivery is free at this time minus the burst. */
    rateTat: timestamp("rate_tat", { withTimezone: true, mode: "date" }),
    failureCount: integer("failure_count").notNull().default(0),
    disabledReason: text("disabled_reason"),
    /** The config file (HERALD_CONFIG) that declares the webhook; null for one made through the API. */
    managedBy: text("managed_by"),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (table) => [index("webhooks_created_at_idx").on(table.createdAt)],
);

export const events = pgTable(
  "events",
  {
    /** Internal key; `id` is the producer's (or a generated) CloudEvents id, unique per source. */
    key: bigint("key", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    id: text("id").notNull(),
    source: text("source").notNull(),
    type: text("type").notNull(),
    time: timestamp("time", { withTimezone: true, mode: "string" }).notNull(),
    severity: text("severity").notNull(),
    title: text("title").notNull(),
    subject: text("subject"),
    // json, not jsonb: keeps the producer's key order, which formats show.
    data: json("data").$type<Record<string, unknown>>().notNull(),
    receivedAt: createdAt(),
  },
  (table) => [
    uniqueIndex("events_source_id_idx").on(table.source, table.id),
    // GET /events (newest first, paged by received_at and key) and GET /events/{id} (by id alone).
    index("events_received_idx").on(table.receivedAt, table.key),
    index("events_id_idx").on(table.id),
  ],
);

export { DELIVERY_STATUSES, type DeliveryStatus };

/**
 * Partitioned by `created_at`, a partition a day (drizzle/0010_partitioned_history.sql,
 * store/partitions.ts): retention drops a day whose deliveries all finished. The key is
 * (id, created_at) because a partitioned table's key must hold its partition key; `id` alone is
 * still what every lookup uses.
 */
export const deliveries = pgTable(
  "deliveries",
  {
    id: uuid("id").notNull().defaultRandom(),
    webhookId: uuid("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    eventKey: bigint("event_key", { mode: "number" })
      .notNull()
      .references(() => events.key, { onDelete: "cascade" }),
    status: text("status").$type<DeliveryStatus>().notNull().default("pending"),
    /** How many attempts have been made (or started: a claimed delivery counts its attempt). */
    attempt: integer("attempt").notNull().default(0),
    /** When the next attempt is due; while an attempt is in flight, when its lease runs out. */
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    statusCode: integer("status_code"),
    success: boolean("success"),
    error: text("error"),
    durationMs: integer("duration_ms"),
    responseExcerpt: text("response_excerpt"),
    warnings: jsonb("warnings").$type<string[]>(),
    isTest: boolean("is_test").notNull().default(false),
    /**
     * Attempts that do not use up the webhook's retries: a receiver throttled them (429), or they
     * were handed back unanswered (Herald stopped, or its worker died).
     */
    uncountedAttempts: integer("uncounted_attempts").notNull().default(0),
    /** The worker (store/workers.ts) whose claim this delivery is under; null when none holds it. */
    claimedBy: uuid("claimed_by"),
    /** The event's dedup key for this webhook (its `dedup.key` filled in); null without dedup. */
    dedupKey: text("dedup_key"),
    /** Repeats suppressed before this delivery, which its message reports (counted as it is claimed). */
    suppressedBefore: integer("suppressed_before").notNull().default(0),
    /** For a suppressed delivery: the delivery whose message reported it (null until one is claimed). */
    reportedBy: uuid("reported_by"),
    /** The event's group for this webhook (webhooks/group.ts); null when the webhook does not group. */
    groupKey: text("group_key"),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.id, table.createdAt] }),
    // The claim looks for each ready webhook's due deliveries; a FIFO webhook for its oldest queued one.
    index("deliveries_queued_due_idx")
      .on(table.webhookId, table.nextAttemptAt)
      .where(sql`${table.status} in ('pending', 'retrying')`),
    index("deliveries_queued_order_idx")
      .on(table.webhookId, table.createdAt, table.eventKey)
      .where(sql`${table.status} in ('pending', 'retrying')`),
    index("deliveries_webhook_created_idx").on(table.webhookId, table.createdAt),
    index("deliveries_event_idx").on(table.eventKey),
    // GET /deliveries across webhooks: newest first, paged by created_at and id.
    index("deliveries_created_idx").on(table.createdAt, table.id),
    // Dedup looks for an earlier delivery of the same key within the window.
    index("deliveries_dedup_idx")
      .on(table.webhookId, table.dedupKey, table.createdAt)
      .where(sql`${table.dedupKey} is not null`),
    // A gone worker's claims are found and handed back.
    index("deliveries_claimed_by_idx").on(table.claimedBy).where(sql`${table.claimedBy} is not null`),
    // The claim counts each webhook's repeats not yet reported.
    index("deliveries_unreported_idx")
      .on(table.webhookId)
      .where(sql`${table.status} = 'suppressed' and ${table.reportedBy} is null`),
  ],
);

/**
 * One row per attempt: the full history behind a delivery's latest state. Partitioned like
 * `deliveries`, by the delivery's `created_at`, so a day of deliveries and their attempts go
 * together. No foreign key to `deliveries`: detaching a referenced partition checks every attempt
 * under a lock that stops ingest, so whoever deletes deliveries deletes their attempts (retention),
 * and a deleted webhook takes its attempts with it.
 */
export const deliveryAttempts = pgTable(
  "delivery_attempts",
  {
    id: bigint("id", { mode: "number" }).notNull().generatedAlwaysAsIdentity(),
    deliveryId: uuid("delivery_id").notNull(),
    deliveryCreatedAt: timestamp("delivery_created_at", { withTimezone: true, mode: "date" }).notNull(),
    webhookId: uuid("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    statusCode: integer("status_code"),
    success: boolean("success").notNull(),
    error: text("error"),
    durationMs: integer("duration_ms").notNull(),
    responseExcerpt: text("response_excerpt"),
    /** The request as sent (first part), secrets masked: headers, and the body's first bytes. */
    requestHeaders: jsonb("request_headers").$type<Record<string, string>>(),
    requestBody: text("request_body"),
    createdAt: createdAt(),
  },
  (table) => [
    primaryKey({ columns: [table.id, table.deliveryCreatedAt] }),
    index("delivery_attempts_delivery_idx").on(table.deliveryId),
    // A deleted webhook's attempts are found by it (the cascade from webhooks).
    index("delivery_attempts_webhook_idx").on(table.webhookId),
  ],
);

/**
 * The open groups of grouping webhooks: when each group's queued events are next sent as a digest.
 * A group's deliveries are queued due at its `flush_at` (store/ingest.ts).
 */
export const deliveryGroups = pgTable(
  "delivery_groups",
  {
    webhookId: uuid("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    groupKey: text("group_key").notNull(),
    /** When the group's next digest goes; in the past once it went, until the next event. */
    flushAt: timestamp("flush_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.webhookId, table.groupKey] }),
    // Expired groups are found by time, without reading the open ones.
    index("delivery_groups_flush_idx").on(table.webhookId, table.flushAt),
  ],
);

/**
 * The Herald processes working on a PostgreSQL store. Each holds a session advisory lock on its
 * `lock_key` while it lives: a lock another process can take belongs to a worker that is gone,
 * whose claims are handed back at once (store/workers.ts).
 */
export const workers = pgTable("workers", {
  id: uuid("id").primaryKey(),
  lockKey: integer("lock_key").generatedByDefaultAsIdentity().notNull(),
  host: text("host").notNull(),
  pid: integer("pid").notNull(),
  startedAt: timestamp("started_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});
