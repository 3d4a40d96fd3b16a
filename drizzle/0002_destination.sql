-- Destinations own their settings: one "destination" column, {kind, ...settings}, replaces the
-- auth, tls, splunk_hec and syslog columns. Every webhook is carried over with the kind it was
-- sent as: a syslog URL is syslog; the splunk_hec format, or HEC settings, is splunk_hec; the
-- rest is plain http. Settings a kind never used (auth on a syslog URL) are left behind.
ALTER TABLE "webhooks" ADD COLUMN "destination" jsonb;--> statement-breakpoint
UPDATE "webhooks" SET "destination" = CASE
  WHEN lower(split_part("url", ':', 1)) IN ('udp', 'tcp', 'tls')
    THEN jsonb_build_object('kind', 'syslog', 'tls', "tls", 'syslog', "syslog")
  WHEN "format" = 'splunk_hec' OR "splunk_hec" IS NOT NULL
    THEN jsonb_build_object('kind', 'splunk_hec', 'auth', "auth", 'tls', "tls", 'splunk_hec', "splunk_hec")
  ELSE jsonb_build_object('kind', 'http', 'auth', "auth", 'tls', "tls")
END;--> statement-breakpoint
ALTER TABLE "webhooks" ALTER COLUMN "destination" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "webhooks" DROP COLUMN "auth";--> statement-breakpoint
ALTER TABLE "webhooks" DROP COLUMN "tls";--> statement-breakpoint
ALTER TABLE "webhooks" DROP COLUMN "splunk_hec";--> statement-breakpoint
ALTER TABLE "webhooks" DROP COLUMN "syslog";
