ALTER TABLE "webhooks" ADD COLUMN "auth" jsonb;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "tls" jsonb;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "splunk_hec" jsonb;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "syslog" jsonb;