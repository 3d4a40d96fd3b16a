DROP INDEX "deliveries_due_idx";--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "throttled_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "paused" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "state_changed_by" text;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "state_changed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "flow" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "throttled_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "throttle_reason" text;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "rate_tat" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "deliveries_queued_due_idx" ON "deliveries" USING btree ("webhook_id","next_attempt_at") WHERE "deliveries"."status" in ('pending', 'retrying');--> statement-breakpoint
CREATE INDEX "deliveries_queued_order_idx" ON "deliveries" USING btree ("webhook_id","created_at","event_key") WHERE "deliveries"."status" in ('pending', 'retrying');