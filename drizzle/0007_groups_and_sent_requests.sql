CREATE TABLE "delivery_groups" (
	"webhook_id" uuid NOT NULL,
	"group_key" text NOT NULL,
	"flush_at" timestamp with time zone NOT NULL,
	CONSTRAINT "delivery_groups_webhook_id_group_key_pk" PRIMARY KEY("webhook_id","group_key")
);
--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "group_key" text;--> statement-breakpoint
ALTER TABLE "delivery_attempts" ADD COLUMN "request_headers" jsonb;--> statement-breakpoint
ALTER TABLE "delivery_attempts" ADD COLUMN "request_body" text;--> statement-breakpoint
ALTER TABLE "delivery_groups" ADD CONSTRAINT "delivery_groups_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "delivery_groups_flush_idx" ON "delivery_groups" USING btree ("webhook_id","flush_at");