import { sql } from "drizzle-orm";
import { z } from "zod";
import { rateBurst, readFlow } from "../webhooks/flow";
import { type Db, queryRows } from "./db";
import { deliveries } from "./schema";
import type { WebhookRow } from "./webhooks";

/** How a webhook's flow stands now: its queue, a receiver's hold on it, its rate limit's tokens. */
export const flowStatusSchema = z
  .strictObject({
    queued: z.strictObject({ pending: z.number().int(), retrying: z.number().int() }),
    oldest_queued_age_s: z.number().nullable().meta({
      description: "Seconds since the oldest queued delivery's event arrived; null with an empty queue",
    }),
    throttled_until: z
      .string()
      .nullable()
      .meta({ description: "Until when a receiver's 429 holds every delivery; null when it does not" }),
    throttled_for_s: z.number().int().nullable(),
    throttle_reason: z.string().nullable(),
    rate_tokens: z
      .number()
      .int()
      .nullable()
      .meta({ description: "Deliveries the rate limit lets go at once now; null without a rate limit" }),
    repeats_suppressed_unreported: z.number().int().meta({
      description: "Repeats dedup suppressed since the webhook's last message: its next message reports them",
    }),
  })
  .meta({ id: "FlowStatus" });
export type FlowStatus = z.infer<typeof flowStatusSchema>;

export async function flowStatus(db: Db, webhook: WebhookRow, now: Date): Promise<FlowStatus> {
  const rows = await queryRows<{ status: string; depth: number | string; age: number | string }>(
    db,
    sql`
      select status, count(*) as depth, extract(epoch from (now() - min(created_at)))::float8 as age
      from ${deliveries}
      where webhook_id = ${webhook.id} and status in ('pending', 'retrying')
      group by status`,
  );
  const [unreported] = await queryRows<{ count: number | string }>(
    db,
    sql`select count(*) as count from ${deliveries}
        where webhook_id = ${webhook.id} and status = 'suppressed' and reported_by is null`,
  );
  const depth = (status: string) => Number(rows.find((row) => row.status === status)?.depth ?? 0);
  const ages = rows.map((row) => Math.max(0, Number(row.age)));
  const held = webhook.throttledUntil !== null && webhook.throttledUntil > now;
  return {
    queued: { pending: depth("pending"), retrying: depth("retrying") },
    oldest_queued_age_s: ages.length > 0 ? Math.round(Math.max(...ages)) : null,
    throttled_until: held ? (webhook.throttledUntil as Date).toISOString() : null,
    throttled_for_s: held
      ? Math.ceil(((webhook.throttledUntil as Date).getTime() - now.getTime()) / 1000)
      : null,
    throttle_reason: held ? webhook.throttleReason : null,
    rate_tokens: rateTokens(webhook, now),
    repeats_suppressed_unreported: Number(unreported?.count ?? 0),
  };
}

/** The GCRA's tokens: the burst less how far the theoretical arrival time is ahead of now. */
function rateTokens(webhook: WebhookRow, now: Date): number | null {
  const rate = readFlow(webhook.flow).rate_limit;
  if (rate === null) return null;
  const aheadS = Math.max(0, ((webhook.rateTat?.getTime() ?? 0) - now.getTime()) / 1000);
  return Math.max(0, Math.floor(rateBurst(rate) - aheadS * rate.per_second + 1e-9));
}
