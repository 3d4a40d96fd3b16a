CREATE INDEX "deliveries_created_idx" ON "deliveries" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "events_received_idx" ON "events" USING btree ("created_at","key");--> statement-breakpoint
CREATE INDEX "events_id_idx" ON "events" USING btree ("id");