-- Destinations own their settings: one "destination" column, {kind, ...settings}, replaces the
-- auth, tls, splunk_hec and syslog columns. Every webhook keeps the answers it was read by: a
-- syslog URL is syslog; the splunk_hec format, HEC settings or Splunk auth (which switched HEC
-- answers on) is splunk_hec; the rest is plain http. Settings a kind never used (auth on a
-- syslog URL) are left behind. A JSON null in an old column counts as no setting.
ALTER TABLE "webhooks" ADD COLUMN "destination" jsonb;--> statement-breakpoint
UPDATE "webhooks" SET
  "auth" = NULLIF("auth", 'null'::jsonb),
  "tls" = NULLIF("tls", 'null'::jsonb),
  "splunk_hec" = NULLIF("splunk_hec", 'null'::jsonb),
  "syslog" = NULLIF("syslog", 'null'::jsonb);--> statement-breakpoint
UPDATE "webhooks" SET "destination" = CASE
  WHEN lower(split_part("url", ':', 1)) IN ('udp', 'tcp', 'tls')
    THEN jsonb_build_object('kind', 'syslog', 'tls', "tls", 'syslog', "syslog")
  WHEN "format" = 'splunk_hec' OR "splunk_hec" IS NOT NULL OR "auth"->>'type' = 'splunk'
    THEN jsonb_build_object('kind', 'splunk_hec', 'auth', "auth", 'tls', "tls", 'splunk_hec', "splunk_hec")
  ELSE jsonb_build_object('kind', 'http', 'auth', "auth", 'tls', "tls")
END;--> statement-breakpoint
ALTER TABLE "webhooks" ALTER COLUMN "destination" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "webhooks" DROP COLUMN "auth";--> statement-breakpoint
ALTER TABLE "webhooks" DROP COLUMN "tls";--> statement-breakpoint
ALTER TABLE "webhooks" DROP COLUMN "splunk_hec";--> statement-breakpoint
ALTER TABLE "webhooks" DROP COLUMN "syslog";
