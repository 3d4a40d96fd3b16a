import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { type DeliveryView, getDelivery } from "../store/history";
import { retryDeliveryNow } from "../store/queue";
import { getWebhook } from "../store/webhooks";
import { allow } from "./auth";
import type { ApiDeps, AppEnv } from "./deps";
import { findOr404 } from "./request";

export function deliveryToWire(row: DeliveryView) {
  const waiting = row.status === "pending" || row.status === "retrying";
  return {
    id: row.id,
    webhook_id: row.webhookId,
    event_id: row.eventId,
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
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    next_attempt_at: waiting ? row.nextAttemptAt.toISOString() : null,
  };
}

export function deliveryRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();

  const deliveryOr404 = (id: string) => findOr404("delivery", id, (key) => getDelivery(deps.db, key));

  /** One delivery with every attempt behind it. */
  app.get("/deliveries/:id", allow("viewer"), async (c) => {
    const { attempts, ...delivery } = await deliveryOr404(c.req.param("id"));
    return c.json({
      ...deliveryToWire(delivery),
      attempts: attempts.map((attempt) => ({
        attempt: attempt.attempt,
        status_code: attempt.statusCode,
        success: attempt.success,
        error: attempt.error,
        duration_ms: attempt.durationMs,
        response_excerpt: attempt.responseExcerpt,
        created_at: attempt.createdAt.toISOString(),
      })),
    });
  });

  /** Delivers again now, whatever the delivery's state, under the same webhook-id. */
  app.post("/deliveries/:id/retry", allow(), async (c) => {
    const delivery = await deliveryOr404(c.req.param("id"));
    const webhook = await getWebhook(deps.db, delivery.webhookId);
    if (!webhook?.isActive) {
      throw new HTTPException(409, { message: "the webhook is inactive: set is_active to true first" });
    }
    await retryDeliveryNow(deps.db, delivery.id);
    deps.engine.wake();
    const { attempts: _, ...updated } = await deliveryOr404(delivery.id);
    return c.json(deliveryToWire(updated), 202);
  });

  return app;
}
