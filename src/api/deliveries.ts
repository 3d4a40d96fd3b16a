import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { SENT_BODY_BYTES } from "../delivery/sent-request";
import { type DeliveryView, getDelivery } from "../store/history";
import { retryDeliveryNow } from "../store/queue";
import { DELIVERY_STATUSES } from "../store/schema";
import { getWebhook } from "../store/webhooks";
import type { ApiDeps, AppEnv } from "./deps";
import { conflict, errors } from "./openapi/components";
import { access, idParameter, jsonAnswer } from "./openapi/describe";
import { findOr404 } from "./request";

const timestamp = z.iso.datetime();

/** A delivery as the API shows it: one event to one webhook, in its latest state. */
export const deliveryWireSchema = z
  .strictObject({
    id: z.uuid(),
    webhook_id: z.uuid(),
    webhook_name: z.string(),
    event_id: z.string().meta({ description: "The event's id, unique with `event_source`" }),
    event_source: z.string(),
    event_type: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempt: z.number().int().meta({ description: "Attempts made so far" }),
    status_code: z.number().int().nullable().meta({ description: "The receiver's last HTTP status" }),
    success: z.boolean().nullable(),
    error: z.string().nullable(),
    duration_ms: z.number().int().nullable(),
    response_excerpt: z
      .string()
      .nullable()
      .meta({ description: "The first KiB of the receiver's last answer" }),
    warnings: z.array(z.string()).meta({ description: "What a format or transport had to cut or change" }),
    is_test: z.boolean(),
    dedup_key: z
      .string()
      .nullable()
      .meta({ description: "The event's key under the webhook's dedup (null without dedup)" }),
    repeats_suppressed: z
      .number()
      .int()
      .meta({ description: "Repeats dedup suppressed before this delivery, which its message reported" }),
    reported_by: z
      .uuid()
      .nullable()
      .meta({ description: "For a suppressed delivery: the delivery whose message counted it" }),
    created_at: timestamp,
    updated_at: timestamp,
    next_attempt_at: timestamp.nullable().meta({ description: "While pending or retrying: when it is due" }),
  })
  .meta({ id: "Delivery" });

const sentRequestSchema = z
  .strictObject({
    headers: z.record(z.string(), z.string()).meta({
      description:
        "As sent, with every value that is or may be a secret replaced by ********: Authorization keeps its scheme, a signature its prefix, a custom header its value only where a viewer sees it. Empty for syslog, which sends the body alone. Splunk HEC's channel header is not listed.",
    }),
    body: z.string().meta({
      description: `The body's first ${SENT_BODY_BYTES / 1024} KiB, the webhook's secrets (a routing key) masked; when cut, it ends with "… (N bytes in all)"`,
    }),
  })
  .nullable()
  .meta({
    description:
      "The request the attempt sent (the first of a message sent in parts); null when none was (the template failed, the delivery was discarded) or for attempts recorded before Herald kept it",
  });

const attemptWireSchema = z.strictObject({
  attempt: z.number().int(),
  status_code: z.number().int().nullable(),
  success: z.boolean(),
  error: z.string().nullable(),
  duration_ms: z.number().int(),
  response_excerpt: z.string().nullable(),
  request: sentRequestSchema,
  created_at: timestamp,
});

const deliveryWithAttemptsSchema = deliveryWireSchema.extend({ attempts: z.array(attemptWireSchema) });

export function deliveryToWire(row: DeliveryView): z.infer<typeof deliveryWireSchema> {
  const waiting = row.status === "pending" || row.status === "retrying";
  return {
    id: row.id,
    webhook_id: row.webhookId,
    webhook_name: row.webhookName,
    event_id: row.eventId,
    event_source: row.eventSource,
    event_type: row.eventType,
    status: row.status,
    attempt: row.attempt,
    status_code: row.statusCode,
    success: row.success,
    error: row.error,
    duration_ms: row.durationMs,
    response_excerpt: row.responseExcerpt,
    warnings: row.warnings ?? [],
    is_test: row.isTest,
    dedup_key: row.dedupKey,
    repeats_suppressed: row.suppressedBefore,
    reported_by: row.reportedBy,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    next_attempt_at: waiting ? row.nextAttemptAt.toISOString() : null,
  };
}

export function deliveryRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();

  const deliveryOr404 = (id: string) => findOr404("delivery", id, (key) => getDelivery(deps.db, key));

  const describeGet = access(["viewer"], {
    tags: ["Deliveries"],
    summary: "Read a delivery with every attempt",
    parameters: [idParameter("delivery")],
    responses: {
      200: jsonAnswer("The delivery and its attempts, oldest first", deliveryWithAttemptsSchema),
      ...errors(404),
    },
  });

  /** One delivery with every attempt behind it. */
  app.get("/deliveries/:id", describeGet, async (c) => {
    const { attempts, ...delivery } = await deliveryOr404(c.req.param("id"));
    const answer: z.infer<typeof deliveryWithAttemptsSchema> = {
      ...deliveryToWire(delivery),
      attempts: attempts.map((attempt) => ({
        attempt: attempt.attempt,
        status_code: attempt.statusCode,
        success: attempt.success,
        error: attempt.error,
        duration_ms: attempt.durationMs,
        response_excerpt: attempt.responseExcerpt,
        request:
          attempt.requestBody === null
            ? null
            : { headers: attempt.requestHeaders ?? {}, body: attempt.requestBody },
        created_at: attempt.createdAt.toISOString(),
      })),
    };
    return c.json(answer);
  });

  const describeRetry = access([], {
    tags: ["Deliveries"],
    summary: "Deliver again now",
    description: "Whatever the delivery's state, under the same webhook-id.",
    parameters: [idParameter("delivery")],
    responses: {
      202: jsonAnswer("Queued to be sent at once", deliveryWireSchema),
      ...errors(404),
      ...conflict("The webhook is inactive: set is_active to true first."),
    },
  });

  /** Delivers again now, whatever the delivery's state, under the same webhook-id. */
  app.post("/deliveries/:id/retry", describeRetry, async (c) => {
    const delivery = await deliveryOr404(c.req.param("id"));
    const webhook = await getWebhook(deps.db, delivery.webhookId);
    if (!webhook?.isActive) {
      throw new HTTPException(409, { message: "the webhook is disabled: set its state to active first" });
    }
    await retryDeliveryNow(deps.db, delivery.id);
    deps.engine.wake();
    const { attempts: _, ...updated } = await deliveryOr404(delivery.id);
    return c.json(deliveryToWire(updated), 202);
  });

  return app;
}
