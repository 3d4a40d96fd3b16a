import type { Context } from "hono";
import { z } from "zod";
import { parseOrThrow } from "../errors";
import { acceptEvent, incomingEventSchema } from "../events/event";
import { severitySchema } from "../events/severity";
import { createTestDelivery } from "../store/queue";
import { DELIVERY_STATUSES } from "../store/schema";
import type { WebhookRow } from "../store/webhooks";
import { rowToInput, webhookInputSchema } from "../webhooks/schema";
import { keepWriteOnlyValues } from "../webhooks/wire";
import type { ApiDeps, AppEnv } from "./deps";
import { errors } from "./openapi/components";
import { access, idParameter, jsonAnswer, jsonBody } from "./openapi/describe";
import { FIXTURE_EVENTS } from "./openapi/examples";
import { readJson } from "./request";

// POST /webhooks/{id}/test: a test event sent at once, with the saved template and options or,
// for an editor, with unsaved ones for this one test.

const { template, options } = webhookInputSchema.in.shape;

const testRequestSchema = z.strictObject({
  event_type: z.string().min(1).max(256).default("test"),
  payload: z.record(z.string(), z.unknown()).default({}),
  severity: severitySchema.default("info"),
  title: z.string().max(4096).optional(),
  template: template.unwrap().optional().meta({
    description:
      "Used for this test instead of the saved template (null: the format's default), which stays as it is; checked as a save checks it",
  }),
  options: options.unwrap().optional().meta({
    description:
      "The format's options for this test instead of the saved ones; secret options left out keep their saved values",
  }),
});

const testAnswerSchema = z.strictObject({
  delivery_id: z.uuid(),
  event_id: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  success: z.boolean(),
  status_code: z.number().int().nullable(),
  duration_ms: z.number().int(),
  error: z.string().nullable(),
  response_excerpt: z.string().nullable(),
  warnings: z.array(z.string()),
});

export const describeTest = access([], {
  tags: ["Webhooks"],
  summary: "Send a test event now",
  description:
    "Even to an inactive webhook; recorded as a test delivery. The body may be left out. With `template` or `options`, the test is rendered with them instead of the saved ones, which stay unsaved: a template that would not save is a 422 naming `template` with its line and column.",
  parameters: [idParameter("webhook")],
  requestBody: jsonBody(testRequestSchema, {
    required: false,
    examples: {
      fixture: {
        summary: "The data of a fixture event",
        value: {
          event_type: "auto_ban",
          severity: "high",
          payload: FIXTURE_EVENTS["website-defender-auto-ban"].data,
        },
      },
      unsaved: {
        summary: "With a template being edited",
        value: { event_type: "auto_ban", template: '{"text": "{{title}}"}' },
      },
    },
  }),
  responses: {
    200: jsonAnswer("What the receiver said (a failure is answered 200 too)", testAnswerSchema),
    ...errors(400, 404, 413, 422),
  },
});

/**
 * The webhook as this test sends with it: the request's template and options in place of the
 * saved ones, checked the way a save checks them (format options, the template against samples).
 */
async function withOverrides(
  deps: ApiDeps,
  webhook: WebhookRow,
  request: z.infer<typeof testRequestSchema>,
): Promise<WebhookRow> {
  if (request.template === undefined && request.options === undefined) return webhook;
  const saved = rowToInput(webhook);
  const input = {
    ...saved,
    ...(request.template === undefined ? {} : { template: request.template }),
    ...(request.options === undefined ? {} : keepWriteOnlyValues(saved, { options: request.options })),
  } as typeof saved;
  await deps.renderer.validate(input, deps.now());
  return { ...webhook, template: input.template, options: input.options };
}

/** Sends a test event at once (even to an inactive webhook), records it, and says what the receiver said. */
export async function sendTest(c: Context<AppEnv>, deps: ApiDeps, saved: WebhookRow) {
  const request = parseOrThrow(testRequestSchema, await readJson(c, { optional: true }));
  const webhook = await withOverrides(deps, saved, request);
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
  const job = await createTestDelivery(deps.db, webhook, event, {
    leaseMs: deps.config.HERALD_LEASE_MS,
    workerId: deps.engine.workerId,
  });
  const record = await deps.engine.deliverNow(job);
  return c.json<z.infer<typeof testAnswerSchema>>({
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
}
