import { Hono } from "hono";
import { z } from "zod";
import { NotFoundError, parseOrThrow, ValidationError } from "../errors";
import { acceptEvent, incomingEventSchema } from "../events/event";
import { severitySchema } from "../events/severity";
import { findFormat } from "../formats/registry";
import { listDeliveries } from "../store/history";
import { createTestDelivery } from "../store/queue";
import { deleteWebhook, getWebhook, insertWebhook, listWebhooks, updateWebhook } from "../store/webhooks";
import { mergeDestinationChanges } from "../webhooks/destination-update";
import {
  inputToRow,
  READ_ONLY_FIELDS,
  rowToInput,
  type WebhookInput,
  webhookInputSchema,
} from "../webhooks/schema";
import { keepWriteOnlyValues, rowToWire, withSecretOptionsMasked } from "../webhooks/wire";
import { allow, isAdmin } from "./auth";
import { deliveryToWire } from "./deliveries";
import type { ApiDeps, AppEnv } from "./deps";
import { previewAnswer } from "./formats";
import { findOr404, listLimit, readJson } from "./request";

const testRequestSchema = z.strictObject({
  event_type: z.string().min(1).max(256).default("test"),
  payload: z.record(z.string(), z.unknown()).default({}),
  severity: severitySchema.default("info"),
  title: z.string().max(4096).optional(),
});

function withoutReadOnlyFields(body: unknown): unknown {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return body;
  const copy: Record<string, unknown> = { ...body };
  for (const field of READ_ONLY_FIELDS) delete copy[field];
  return copy;
}

export function webhookRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();

  const webhookOr404 = (id: string) => findOr404("webhook", id, (key) => getWebhook(deps.db, key));

  /** Checks the whole definition (format options, template); it is stored as the operator wrote it. */
  async function checked(input: WebhookInput) {
    await deps.renderer.validate(input, deps.now());
    return inputToRow(input);
  }

  app.get("/webhooks", allow("viewer"), async (c) => {
    const rows = await listWebhooks(deps.db, listLimit(c));
    return c.json({ data: rows.map((row) => rowToWire(row, { forAdmin: isAdmin(c) })) });
  });

  app.post("/webhooks", allow(), async (c) => {
    const input = parseOrThrow(webhookInputSchema, withoutReadOnlyFields(await readJson(c)));
    const row = await insertWebhook(deps.db, await checked(input));
    return c.json(rowToWire(row, { forAdmin: true }), 201);
  });

  app.get("/webhooks/:id", allow("viewer"), async (c) => {
    return c.json(rowToWire(await webhookOr404(c.req.param("id")), { forAdmin: isAdmin(c) }));
  });

  /** Partial update: the fields sent replace the stored ones; the result is validated whole. */
  app.put("/webhooks/:id", allow(), async (c) => {
    const existing = await webhookOr404(c.req.param("id"));
    const patch = withoutReadOnlyFields(await readJson(c));
    if (patch === null || typeof patch !== "object" || Array.isArray(patch)) {
      throw new ValidationError([{ path: "", message: "must be a JSON object of the fields to change" }]);
    }
    const stored = rowToInput(existing);
    const changes = keepWriteOnlyValues(stored, patch as Record<string, unknown>);
    const input = parseOrThrow(webhookInputSchema, {
      ...stored,
      ...mergeDestinationChanges(stored, changes, findFormat),
    });
    const reactivated = input.is_active && !existing.isActive;
    // is_active is written only when sent: the failure threshold may have switched the webhook
    // off since it was read, and an unrelated change must not switch it back on.
    const { isActive, ...columns } = await checked(input);
    const row = await updateWebhook(deps.db, existing.id, {
      ...columns,
      ...("is_active" in changes ? { isActive } : {}),
      ...(reactivated ? { failureCount: 0, disabledReason: null } : {}),
    });
    if (!row) throw new NotFoundError(`no webhook ${existing.id}`);
    if (reactivated) deps.engine.wake();
    return c.json(rowToWire(row, { forAdmin: true }));
  });

  app.delete("/webhooks/:id", allow(), async (c) => {
    await findOr404("webhook", c.req.param("id"), async (id) =>
      (await deleteWebhook(deps.db, id)) ? id : undefined,
    );
    return c.body(null, 204);
  });

  /** Sends a test event at once (even to an inactive webhook), records it, and says what the receiver said. */
  app.post("/webhooks/:id/test", allow(), async (c) => {
    const webhook = await webhookOr404(c.req.param("id"));
    const request = parseOrThrow(testRequestSchema, await readJson(c, { optional: true }));
    const event = acceptEvent(
      parseOrThrow(incomingEventSchema, {
        type: request.event_type,
        source: "herald.test",
        severity: request.severity,
        title: request.title ?? `Test ${request.event_type} event from Herald`,
        data: request.payload,
      }),
      deps.now(),
      () => crypto.randomUUID(),
    );
    const job = await createTestDelivery(deps.db, webhook, event, deps.config.HERALD_LEASE_MS);
    const record = await deps.engine.deliverNow(job);
    return c.json({
      delivery_id: record.deliveryId,
      event_id: event.id,
      status: record.status,
      success: record.success,
      status_code: record.statusCode,
      duration_ms: record.durationMs,
      error: record.error,
      response_excerpt: record.responseExcerpt,
      warnings: record.warnings,
    });
  });

  /** What the webhook would send for the event in the body (or a sample), without sending it. */
  app.post("/webhooks/:id/preview", allow("viewer"), async (c) => {
    const webhook = await webhookOr404(c.req.param("id"));
    const body = await readJson(c, { optional: true });
    const event = body && typeof body === "object" && Object.keys(body).length > 0 ? body : undefined;
    const input = rowToInput(webhook);
    const answer = await previewAnswer(deps, input, event, []);
    const masked = (text: string) => withSecretOptionsMasked(text, input);
    return c.json({ ...answer, body: masked(answer.body), parts: answer.parts.map(masked) });
  });

  app.get("/webhooks/:id/deliveries", allow("viewer"), async (c) => {
    const webhook = await webhookOr404(c.req.param("id"));
    const limit = listLimit(c);
    return c.json({ data: (await listDeliveries(deps.db, webhook.id, limit)).map(deliveryToWire) });
  });

  return app;
}
