import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { ValidationError } from "../errors";
import { DELIVERY_STATUSES, type DeliveryStatus } from "../store/schema";
import { webhookStats } from "../store/webhook-stats";
import { getWebhook } from "../store/webhooks";
import type { ApiDeps, AppEnv } from "./deps";
import { queryParameter } from "./list-query";
import { errors } from "./openapi/components";
import { access, idParameter, jsonAnswer } from "./openapi/describe";
import { findOr404 } from "./request";

const HOUR_MS = 3_600_000;
const MAX_WINDOW_HOURS = 7 * 24;

const byStatus = z.strictObject(
  Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, z.number().int()])) as Record<
    DeliveryStatus,
    z.ZodNumber
  >,
);

const statsAnswerSchema = z
  .strictObject({
    webhook_id: z.uuid(),
    window: z.string().meta({ description: "As asked, e.g. 24h" }),
    since: z.iso.datetime(),
    until: z.iso.datetime(),
    counts: byStatus.meta({
      description: "Deliveries created in the window (test deliveries aside), by state now",
    }),
    success_rate: z.number().nullable().meta({
      description: "delivered ÷ (delivered + dead + discarded) in the window; null when none ended yet",
    }),
    latency_ms: z
      .strictObject({ p50: z.number().int(), p95: z.number().int(), p99: z.number().int() })
      .nullable()
      .meta({ description: "The receiver's time to answer (each delivery's last attempt) in the window" }),
    queue: z
      .strictObject({
        depth: z.number().int().meta({ description: "pending + retrying, now (not only the window's)" }),
        pending: z.number().int(),
        retrying: z.number().int(),
        oldest_age_s: z
          .number()
          .nullable()
          .meta({ description: "Seconds since the oldest waiting one was created" }),
      })
      .meta({ description: "What waits to be sent" }),
    hourly: z
      .array(byStatus.extend({ hour: z.iso.datetime().meta({ description: "The hour's start (UTC)" }) }))
      .meta({
        description: "Deliveries per hour of creation and state now, every hour of the window, oldest first",
      }),
  })
  .meta({ id: "WebhookStats" });
type StatsAnswer = z.infer<typeof statsAnswerSchema>;

/** `window`: a number of hours (`24h`) or days (`7d`), from 1 hour to 7 days; 24h unless asked. */
function windowQuery(c: Context): { text: string; hours: number } {
  const text = c.req.query("window") || "24h";
  const match = /^(\d{1,3})([hd])$/.exec(text);
  const hours = match ? Number(match[1]) * (match[2] === "d" ? 24 : 1) : 0;
  if (hours < 1 || hours > MAX_WINDOW_HOURS) {
    throw new ValidationError([
      { path: "window", message: "must be hours (24h) or days (7d), from 1h to 7d" },
    ]);
  }
  return { text, hours };
}

const zeroCounts = () =>
  Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, 0])) as Record<DeliveryStatus, number>;

export function webhookStatsRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();

  const describeStats = access(["viewer"], {
    tags: ["Webhooks"],
    summary: "A webhook's delivery statistics",
    description:
      "Over the last `window` (by creation): counts by state, success rate, receiver latency percentiles, deliveries per hour and state; and the queue now.",
    parameters: [
      idParameter("webhook"),
      queryParameter("window", "1h to 168h, or 1d to 7d", { default: "24h" }),
    ],
    responses: { 200: jsonAnswer("The statistics", statsAnswerSchema), ...errors(404, 422) },
  });
  app.get("/webhooks/:id/stats", describeStats, async (c) => {
    const window = windowQuery(c);
    const webhook = await findOr404("webhook", c.req.param("id"), (id) => getWebhook(deps.db, id));
    const until = deps.now();
    const since = new Date(until.getTime() - window.hours * HOUR_MS);
    const stats = await webhookStats(deps.db, webhook.id, since, until);

    const ended = stats.counts.delivered + stats.counts.dead + stats.counts.discarded;
    const hours = new Map<number, Record<DeliveryStatus, number>>();
    const firstHour = Math.floor(since.getTime() / HOUR_MS) * HOUR_MS;
    for (let hour = firstHour; hour < until.getTime(); hour += HOUR_MS) hours.set(hour, zeroCounts());
    for (const each of stats.hourly) {
      const counts = hours.get(each.hour.getTime());
      if (counts) counts[each.status] = each.count;
    }
    const { queue } = stats;
    const answer: StatsAnswer = {
      webhook_id: webhook.id,
      window: window.text,
      since: since.toISOString(),
      until: until.toISOString(),
      counts: stats.counts,
      success_rate: ended === 0 ? null : stats.counts.delivered / ended,
      latency_ms: stats.latencyMs,
      queue: {
        depth: queue.pending + queue.retrying,
        pending: queue.pending,
        retrying: queue.retrying,
        oldest_age_s: queue.oldestCreatedAt
          ? Math.max(0, (until.getTime() - queue.oldestCreatedAt.getTime()) / 1000)
          : null,
      },
      hourly: [...hours].map(([hour, counts]) => ({ hour: new Date(hour).toISOString(), ...counts })),
    };
    return c.json(answer);
  });

  return app;
}
