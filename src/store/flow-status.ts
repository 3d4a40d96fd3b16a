import { sql } from "drizzle-orm";
import { z } from "zod";
import { rateBurst, readFlow } from "../webhooks/flow";
import { groupValuesOfKey } from "../webhooks/group";
import { type Db, queryRows } from "./db";
import { deliveries, deliveryGroups } from "./schema";
import type { WebhookRow } from "./webhooks";

/** How many open groups the flow status lists. */
const SHOWN_GROUPS = 20;

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
    throttle_probing: z.boolean().meta({
      description:
        "After a receiver's 429: one request at a time until one succeeds, then max_in_flight again",
    }),
    rate_tokens: z
      .number()
      .int()
      .nullable()
      .meta({ description: "Deliveries the rate limit lets go at once now; null without a rate limit" }),
    repeats_suppressed_unreported: z.number().int().meta({
      description: "Repeats dedup suppressed since the webhook's last message: its next message reports them",
    }),
    open_groups: z
      .number()
      .int()
      .meta({ description: "Groups whose next digest is still to go (0 without group)" }),
    groups: z
      .array(
        z.strictObject({
          group: z.record(z.string(), z.unknown()).nullable().meta({
            description:
              "The group's values by field path; null when its key was too long to keep (stored hashed)",
          }),
          queued: z.number().int(),
          flushes_at: z.string(),
          flushes_in_s: z.number().int(),
        }),
      )
      .meta({ description: `The ${SHOWN_GROUPS} open groups that go soonest` }),
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
  const groups = await openGroups(db, webhook, now);
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
    throttle_probing: !held && webhook.throttleReason !== null,
    rate_tokens: rateTokens(webhook, now),
    repeats_suppressed_unreported: Number(unreported?.count ?? 0),
    ...groups,
  };
}

/** The groups whose digest is still to go, the soonest first, with the events each holds. */
async function openGroups(
  db: Db,
  webhook: WebhookRow,
  now: Date,
): Promise<Pick<FlowStatus, "open_groups" | "groups">> {
  const by = readFlow(webhook.flow).group?.by;
  if (!by) return { open_groups: 0, groups: [] };
  const rows = await queryRows<{
    group_key: string;
    flush_at: Date | string;
    queued: number | string;
    open: number | string;
  }>(
    db,
    sql`
      select g.group_key, g.flush_at, q.queued, count(*) over () as open
      from ${deliveryGroups} g
      cross join lateral (
        select count(*) as queued from ${deliveries} d
        where d.webhook_id = g.webhook_id and d.group_key = g.group_key
          and d.status in ('pending', 'retrying') and d.next_attempt_at = g.flush_at
      ) q
      where g.webhook_id = ${webhook.id} and g.flush_at > now()
      order by g.flush_at, g.group_key
      limit ${SHOWN_GROUPS}`,
  );
  return {
    open_groups: Number(rows[0]?.open ?? 0),
    groups: rows.map((row) => {
      const flushAt = new Date(row.flush_at);
      return {
        group: groupValuesOfKey(row.group_key, by),
        queued: Number(row.queued),
        flushes_at: flushAt.toISOString(),
        flushes_in_s: Math.max(0, Math.ceil((flushAt.getTime() - now.getTime()) / 1000)),
      };
    }),
  };
}

/** The GCRA's tokens: the burst less how far the theoretical arrival time is ahead of now. */
function rateTokens(webhook: WebhookRow, now: Date): number | null {
  const rate = readFlow(webhook.flow).rate_limit;
  if (rate === null) return null;
  const aheadS = Math.max(0, ((webhook.rateTat?.getTime() ?? 0) - now.getTime()) / 1000);
  return Math.max(0, Math.floor(rateBurst(rate) - aheadS * rate.per_second + 1e-9));
}
