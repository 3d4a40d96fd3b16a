-- Configuration as code (HERALD_CONFIG): the config file that declares a webhook or an API key.
-- Null for everything made through the API or the CLI; the API refuses to change a managed webhook.
ALTER TABLE "api_keys" ADD COLUMN "managed_by" text;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "managed_by" text;