import { Hono } from "hono";
import { z } from "zod";
import { ConflictError, parseOrThrow } from "../errors";
import { countReplay, REPLAY_STATUSES, replayEvents } from "../store/replay";
import { getWebhook } from "../store/webhooks";
import type { ApiDeps, AppEnv } from "./deps";
import { conflict, errors } from "./openapi/components";
import { access, idParameter, jsonAnswer, jsonBody } from "./openapi/describe";
import { findOr404, readJson } from "./request";

const dateTime = z.iso.datetime({ offset: true });

const replayRequestSchema = z
  .strictObject({
    since: dateTime.meta({ description: "Events received at or after this RFC 3339 date-time" }),
    until: dateTime.meta({
      description: "…and before this one (a time to come counts as now: later events fan out as usual)",
    }),
    types: z
      .array(z.string().min(1).max(256))
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'Only events of these types; patterns as in `event_types` ("auth.*", "*")' }),
    statuses: z.array(z.enum(REPLAY_STATUSES)).min(1).max(REPLAY_STATUSES.length).optional().meta({
      description:
        "Only events whose latest delivery to this webhook is in one of these states; `never`: it has none",
    }),
    dry_run: z.boolean().default(false).meta({ description: "Count the events, queue nothing" }),
    ignore_subscription: z.boolean().default(false).meta({
      description: "Replay events of types or severities the webhook's subscription would not have sent it",
    }),
  })
  .refine((body) => Date.parse(body.since) < Date.parse(body.until), {
    path: ["until"],
    message: "must be after since",
  })
  .meta({ id: "ReplayRequest" });

const replayAnswerSchema = z.strictObject({
  count: z.number().int().meta({ description: "Events queued (with dry_run: that would be)" }),
});

const describeReplay = access([], {
  tags: ["Webhooks"],
  summary: "Send stored events to a webhook again",
  description:
    "Queues each stored event received in [since, until) that the filters and the webhook's subscription match (test events never) as a new delivery, once however many deliveries it had: events the webhook missed while disabled or paused, or ones it got. A paused webhook's replay waits for it to resume; a grouping webhook's is grouped as ingest groups it; the new deliveries carry no dedup key, so none is suppressed as a repeat.",
  parameters: [idParameter("webhook")],
  requestBody: jsonBody(replayRequestSchema, {
    examples: {
      missed: {
        summary: "What a broken receiver missed, or got while it was disabled",
        value: { since: "2026-11-27T00:00:00Z", until: "2026-11-28T00:00:00Z", statuses: ["dead", "never"] },
      },
    },
  }),
  responses: {
    200: jsonAnswer("With dry_run: how many would be queued", replayAnswerSchema),
    202: jsonAnswer("Queued", replayAnswerSchema),
    ...errors(400, 404, 413, 422),
    ...conflict("The webhook is disabled: set its state to active or paused first (a dry_run is answered)."),
  },
});

/** POST /webhooks/{id}/replay: stored events queued to a webhook again (store/replay.ts). */
export function replayRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  app.post("/webhooks/:id/replay", describeReplay, async (c) => {
    const webhook = await findOr404("webhook", c.req.param("id"), (id) => getWebhook(deps.db, id));
    const body = parseOrThrow(replayRequestSchema, await readJson(c));
    const now = deps.now();
    const filter = {
      since: new Date(body.since),
      until: new Date(Math.min(Date.parse(body.until), now.getTime())),
      types: body.types,
      statuses: body.statuses && [...new Set(body.statuses)],
      ignoreSubscription: body.ignore_subscription,
    };
    if (body.dry_run) return c.json({ count: await countReplay(deps.db, webhook, filter) }, 200);
    if (!webhook.isActive) {
      throw new ConflictError("the webhook is disabled: set its state to active or paused first");
    }
    const count = await replayEvents(deps.db, webhook, filter);
    if (count > 0) deps.engine.wake();
    return c.json({ count }, 202);
  });
  return app;
}
