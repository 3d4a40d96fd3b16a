import { Hono } from "hono";
import { z } from "zod";
import { parseOrThrow, ValidationError } from "../errors";
import { incomingEventSchema } from "../events/event";
import { FORMATS } from "../formats/registry";
import { type WebhookInput, webhookInputSchema } from "../webhooks/schema";
import type { ApiDeps, AppEnv } from "./deps";
import { eventSchema } from "./events";
import { errors } from "./openapi/components";
import { access, jsonAnswer, jsonBody } from "./openapi/describe";
import { FIXTURE_EVENTS } from "./openapi/examples";
import { inputJsonSchema } from "./openapi/json-schema";
import { readJson } from "./request";

/** A webhook definition for a preview: name and URL may be left out while it is being written. */
function withPreviewDefaults(webhook: unknown): unknown {
  if (webhook === null || typeof webhook !== "object" || Array.isArray(webhook)) return webhook;
  return { name: "preview", url: "https://preview.invalid/", ...webhook };
}

const previewRequestSchema = z.strictObject({
  webhook: z.unknown(),
  event: z.unknown().optional(),
});

/** The preview request as each part is parsed: the webhook as for POST /webhooks, the event as for POST /events. */
const previewRequestDocSchema = z.strictObject({
  webhook: webhookInputSchema.in
    .partial({ name: true, url: true })
    .optional()
    .meta({ description: "A webhook as for POST /webhooks; `name` and `url` may be left out" }),
  event: eventSchema
    .optional()
    .meta({ description: "Default: a sample event of the first type subscribed to" }),
});

/** What a webhook would send: `body`, then each of `parts` as a request of its own (usually none). */
export const previewAnswerSchema = z
  .strictObject({
    content_type: z.string(),
    body: z.string(),
    parts: z.array(z.string()).meta({ description: "The further messages of limit_policy split" }),
    warnings: z.array(z.string()).meta({ description: "What the format had to cut or change" }),
  })
  .meta({ id: "Preview" });

/**
 * The webhook's own checks (format, options, template) name its fields as POST /webhooks has
 * them; in POST /preview's body they are under `webhook`. Issues of the event keep their path.
 */
function rethrowUnderWebhook(error: unknown): never {
  if (!(error instanceof ValidationError)) throw error;
  const ofEvent = (path: string) => path === "event" || path.startsWith("event.");
  throw new ValidationError(
    error.issues.map((issue) =>
      ofEvent(issue.path) ? issue : { ...issue, path: issue.path ? `webhook.${issue.path}` : "webhook" },
    ),
  );
}

/** The API's answer for a preview: what would be sent, `body` then each of `parts` (usually none). */
export async function previewAnswer(
  deps: ApiDeps,
  input: WebhookInput,
  event: unknown,
  eventPath?: string[],
): Promise<z.infer<typeof previewAnswerSchema>> {
  // Checked here too, so an event over the limits is refused at once and never copied to a worker.
  if (event !== undefined) parseOrThrow(incomingEventSchema, event, eventPath ?? ["event"]);
  const rendered = await deps.renderer.preview(input, event, deps.now(), eventPath);
  return {
    content_type: rendered.contentType,
    body: rendered.body,
    // The further messages of limit_policy split, each sent as its own request; empty when none.
    parts: rendered.parts ?? [],
    warnings: rendered.warnings,
  };
}

const formatWireSchema = z.strictObject({
  name: z.string(),
  description: z.string(),
  content_type: z.string(),
  destination: z.string().meta({ description: "The destination kind its receivers are, by default" }),
  max_events_per_request: z.number().int(),
  secret_options: z.array(z.string()).meta({ description: "Options that are write-only, dotted" }),
  options_schema: z
    .record(z.string(), z.unknown())
    .meta({ description: "The options' JSON Schema (also components.schemas.FormatOptions_<name>)" }),
  default_template: z.string(),
});

export function formatRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();

  const describeList = access(["viewer"], {
    tags: ["Formats"],
    summary: "List the formats",
    description: "Every format with its content type, its options' JSON Schema and its default template.",
    responses: { 200: jsonAnswer("The formats", z.strictObject({ data: z.array(formatWireSchema) })) },
  });

  app.get("/formats", describeList, (c) => {
    const answer: z.infer<typeof formatWireSchema>[] = FORMATS.map((format) => ({
      name: format.name,
      description: format.description,
      content_type: format.contentType,
      destination: format.destination ?? "http",
      max_events_per_request: format.batch?.max ?? 1,
      secret_options: (format.secretOptions ?? []).map((path) => path.join(".")),
      options_schema: inputJsonSchema(format.optionsSchema),
      default_template: deps.templates.defaultSource(format.name),
    }));
    return c.json({ data: answer });
  });

  const describePreview = access(["viewer"], {
    tags: ["Formats"],
    summary: "Preview an unsaved webhook",
    description:
      "What a webhook defined as in the body would send for the event, without sending it: for an editor. A broken template is a 422 with its line and column.",
    requestBody: jsonBody(previewRequestDocSchema, {
      examples: {
        slack: {
          summary: "Slack, for a fixture event",
          value: { webhook: { format: "slack" }, event: FIXTURE_EVENTS["website-defender-auto-ban"] },
        },
      },
    }),
    responses: { 200: jsonAnswer("What would be sent", previewAnswerSchema), ...errors(400, 413, 422) },
  });

  /** Preview for a webhook that is not saved yet (an editor): {webhook: {...}, event?: {...}}. */
  app.post("/preview", describePreview, async (c) => {
    const request = parseOrThrow(previewRequestSchema, await readJson(c));
    const input = parseOrThrow(webhookInputSchema, withPreviewDefaults(request.webhook ?? {}), ["webhook"]);
    return c.json(await previewAnswer(deps, input, request.event).catch(rethrowUnderWebhook));
  });

  return app;
}
