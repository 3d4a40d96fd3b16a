import { z } from "zod";
import { dedupSchema } from "./dedup";
import { groupSchema } from "./group";

/** A webhook's state: `paused` queues and sends nothing; `disabled` takes no new events either. */
export const WEBHOOK_STATES = ["active", "paused", "disabled"] as const;
export type WebhookState = (typeof WEBHOOK_STATES)[number];

export const DEFAULT_MAX_IN_FLIGHT = 16;

/**
 * Flow control, per webhook: how much of the process one receiver may hold, how fast it is sent
 * to, in what order, and what may be dropped. Wire names, at the top level of a webhook.
 */
export const flowFields = {
  /** Requests to this webhook being sent at once by one process: a hanging receiver holds only these. */
  max_in_flight: z
    .number()
    .int()
    .min(1)
    .max(256)
    .meta({
      title: "Max in flight",
      description:
        "Requests to this webhook sent at once by one process: a hanging receiver holds only these",
    })
    .default(DEFAULT_MAX_IN_FLIGHT),
  /** A token bucket: `per_second` deliveries on average, `burst` at once; across every process. */
  rate_limit: z
    .strictObject({
      per_second: z
        .number()
        .positive()
        .max(100_000)
        .meta({ title: "Per second", description: "Deliveries per second, on average" }),
      burst: z
        .number()
        .int()
        .min(1)
        .max(100_000)
        .optional()
        .meta({ title: "Burst", description: "Deliveries at once; default: one second's worth" }),
    })
    .nullable()
    .meta({
      title: "Rate limit",
      description: "A token bucket, across every process; none: as fast as the receiver takes them",
    })
    .default(null),
  /** `fifo`: one delivery in flight, in arrival order; a failing head holds back the rest. */
  ordering: z
    .enum(["unordered", "fifo"])
    .meta({
      title: "Ordering",
      description: "fifo: one delivery in flight, in arrival order; a failing head holds back the rest",
    })
    .default("unordered"),
  /** Discard deliveries not sent within this long of the event's arrival (HERALD_MAX_DELIVERY_AGE_S otherwise). */
  discard_after_s: z
    .number()
    .int()
    .min(1)
    .max(365 * 24 * 3600)
    .nullable()
    .meta({
      title: "Discard after (s)",
      description:
        "Deliveries not sent within this long of the event's arrival are discarded; default: HERALD_MAX_DELIVERY_AGE_S",
    })
    .default(null),
  /** With `max_queue`: when more are queued, the oldest never-tried ones are discarded (and recorded). */
  lossy: z
    .boolean()
    .meta({
      title: "Lossy",
      description: "With a max queue: when more are queued, the oldest never-tried ones are discarded",
    })
    .default(false),
  max_queue: z
    .number()
    .int()
    .min(1)
    .max(10_000_000)
    .nullable()
    .meta({ title: "Max queue", description: "Deliveries queued for this webhook at most; only when lossy" })
    .default(null),
  /** `{key, window_s}`: an event whose key was queued or delivered within the window is suppressed. */
  dedup: dedupSchema,
  /** `{by, wait_s, interval_s, max_events}`: events of one group within the window go as one digest. */
  group: groupSchema,
};

export const flowSchema = z.strictObject(flowFields);
/** The flow fields' wire names, in their order. */
export const FLOW_FIELD_NAMES = Object.keys(flowFields) as (keyof typeof flowFields)[];
export type WebhookFlowSettings = z.output<typeof flowSchema>;

/** The stored flow settings, completed with today's defaults (rows from before have `{}`). */
export function readFlow(stored: unknown): WebhookFlowSettings {
  const parsed = flowSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : flowSchema.parse({});
}

/** The bucket's size: `burst`, or one second's worth (at least one). */
export function rateBurst(rate: NonNullable<WebhookFlowSettings["rate_limit"]>): number {
  return rate.burst ?? Math.max(1, Math.floor(rate.per_second));
}

export function stateOf(row: { isActive: boolean; paused: boolean }): WebhookState {
  if (!row.isActive) return "disabled";
  return row.paused ? "paused" : "active";
}
