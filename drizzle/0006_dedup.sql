ALTER TABLE "deliveries" ADD COLUMN "dedup_key" text;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "suppressed_before" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "reported_by" uuid;--> statement-breakpoint
CREATE INDEX "deliveries_dedup_idx" ON "deliveries" USING btree ("webhook_id","dedup_key","created_at") WHERE "deliveries"."dedup_key" is not null;--> statement-breakpoint
CREATE INDEX "deliveries_unreported_idx" ON "deliveries" USING btree ("webhook_id") WHERE "deliveries"."status" = 'suppressed' and "deliveries"."reported_by" is null;