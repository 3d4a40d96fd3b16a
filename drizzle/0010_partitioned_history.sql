-- Deliveries and their attempts are partitioned by the deliveries' created_at, a partition a day,
-- which Herald creates ahead (src/store/partitions.ts): retention drops a day whose deliveries all
-- finished. The rows already here go into each table's default partition, which retention prunes
-- by batches. Attempts no longer reference deliveries (see the schema); they name their webhook.
ALTER TABLE "delivery_attempts" RENAME TO "delivery_attempts_unpartitioned";--> statement-breakpoint
ALTER TABLE "delivery_attempts_unpartitioned" ALTER COLUMN "id" DROP IDENTITY;--> statement-breakpoint
DROP INDEX "delivery_attempts_delivery_idx";--> statement-breakpoint
ALTER TABLE "deliveries" RENAME TO "deliveries_unpartitioned";--> statement-breakpoint
DROP INDEX "deliveries_claimed_by_idx";--> statement-breakpoint
DROP INDEX "deliveries_created_idx";--> statement-breakpoint
DROP INDEX "deliveries_dedup_idx";--> statement-breakpoint
DROP INDEX "deliveries_event_idx";--> statement-breakpoint
DROP INDEX "deliveries_queued_due_idx";--> statement-breakpoint
DROP INDEX "deliveries_queued_order_idx";--> statement-breakpoint
DROP INDEX "deliveries_unreported_idx";--> statement-breakpoint
DROP INDEX "deliveries_webhook_created_idx";--> statement-breakpoint
CREATE TABLE "deliveries" (
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"webhook_id" uuid NOT NULL,
	"event_key" bigint NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status_code" integer,
	"success" boolean,
	"error" text,
	"duration_ms" integer,
	"response_excerpt" text,
	"warnings" jsonb,
	"is_test" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"uncounted_attempts" integer DEFAULT 0 NOT NULL,
	"dedup_key" text,
	"suppressed_before" integer DEFAULT 0 NOT NULL,
	"reported_by" uuid,
	"group_key" text,
	"claimed_by" uuid,
	CONSTRAINT "deliveries_id_created_at_pk" PRIMARY KEY("id","created_at")
) PARTITION BY RANGE ("created_at");--> statement-breakpoint
CREATE TABLE "deliveries_default" PARTITION OF "deliveries" DEFAULT;--> statement-breakpoint
INSERT INTO "deliveries" ("id", "webhook_id", "event_key", "status", "attempt", "next_attempt_at", "status_code",
	"success", "error", "duration_ms", "response_excerpt", "warnings", "is_test", "created_at", "updated_at",
	"uncounted_attempts", "dedup_key", "suppressed_before", "reported_by", "group_key", "claimed_by")
SELECT "id", "webhook_id", "event_key", "status", "attempt", "next_attempt_at", "status_code",
	"success", "error", "duration_ms", "response_excerpt", "warnings", "is_test", "created_at", "updated_at",
	"uncounted_attempts", "dedup_key", "suppressed_before", "reported_by", "group_key", "claimed_by"
FROM "deliveries_unpartitioned";--> statement-breakpoint
CREATE TABLE "delivery_attempts" (
	"id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
	"delivery_id" uuid NOT NULL,
	"delivery_created_at" timestamp with time zone NOT NULL,
	"webhook_id" uuid NOT NULL,
	"attempt" integer NOT NULL,
	"status_code" integer,
	"success" boolean NOT NULL,
	"error" text,
	"duration_ms" integer NOT NULL,
	"response_excerpt" text,
	"request_headers" jsonb,
	"request_body" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "delivery_attempts_id_delivery_created_at_pk" PRIMARY KEY("id","delivery_created_at")
) PARTITION BY RANGE ("delivery_created_at");--> statement-breakpoint
CREATE TABLE "delivery_attempts_default" PARTITION OF "delivery_attempts" DEFAULT;--> statement-breakpoint
INSERT INTO "delivery_attempts" ("id", "delivery_id", "delivery_created_at", "webhook_id", "attempt", "status_code",
	"success", "error", "duration_ms", "response_excerpt", "request_headers", "request_body", "created_at")
OVERRIDING SYSTEM VALUE
SELECT a."id", a."delivery_id", d."created_at", d."webhook_id", a."attempt", a."status_code",
	a."success", a."error", a."duration_ms", a."response_excerpt", a."request_headers", a."request_body", a."created_at"
FROM "delivery_attempts_unpartitioned" a JOIN "deliveries_unpartitioned" d ON d."id" = a."delivery_id";--> statement-breakpoint
SELECT setval(pg_get_serial_sequence('delivery_attempts', 'id'), coalesce(max("id"), 0) + 1, false) FROM "delivery_attempts";--> statement-breakpoint
DROP TABLE "delivery_attempts_unpartitioned";--> statement-breakpoint
DROP TABLE "deliveries_unpartitioned";--> statement-breakpoint
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_event_key_events_key_fk" FOREIGN KEY ("event_key") REFERENCES "public"."events"("key") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "delivery_attempts" ADD CONSTRAINT "delivery_attempts_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deliveries_claimed_by_idx" ON "deliveries" USING btree ("claimed_by") WHERE "claimed_by" is not null;--> statement-breakpoint
CREATE INDEX "deliveries_created_idx" ON "deliveries" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "deliveries_dedup_idx" ON "deliveries" USING btree ("webhook_id","dedup_key","created_at") WHERE "dedup_key" is not null;--> statement-breakpoint
CREATE INDEX "deliveries_event_idx" ON "deliveries" USING btree ("event_key");--> statement-breakpoint
CREATE INDEX "deliveries_queued_due_idx" ON "deliveries" USING btree ("webhook_id","next_attempt_at") WHERE "status" in ('pending', 'retrying');--> statement-breakpoint
CREATE INDEX "deliveries_queued_order_idx" ON "deliveries" USING btree ("webhook_id","created_at","event_key") WHERE "status" in ('pending', 'retrying');--> statement-breakpoint
CREATE INDEX "deliveries_unreported_idx" ON "deliveries" USING btree ("webhook_id") WHERE "status" = 'suppressed' and "reported_by" is null;--> statement-breakpoint
CREATE INDEX "deliveries_webhook_created_idx" ON "deliveries" USING btree ("webhook_id","created_at");--> statement-breakpoint
CREATE INDEX "delivery_attempts_delivery_idx" ON "delivery_attempts" USING btree ("delivery_id");--> statement-breakpoint
CREATE INDEX "delivery_attempts_webhook_idx" ON "delivery_attempts" USING btree ("webhook_id");
