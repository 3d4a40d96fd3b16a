import { Hono } from "hono";
import { z } from "zod";
import { allow } from "../auth";
import { renderForWebhook } from "../delivery/render";
import { parseOrThrow } from "../errors";
import { acceptEvent, incomingEventSchema } from "../events/event";
import { FORMATS } from "../formats/registry";
import { type WebhookInput, webhookInputSchema } from "../webhooks/schema";
import { sampleEvent, validateWebhook } from "../webhooks/validate";
import type { ApiDeps, AppEnv } from "./deps";
import { readJson } from "./http";

/** A webhook definition for a preview: name and URL may be left out while it is being written. */
const previewDefinitionSchema = webhookInputSchema.extend({
  name: z.string().default("preview"),
  url: webhookInputSchema.shape.url.default("https://preview.invalid/"),
});

const previewRequestSchema = z.strictObject({
  webhook: z.unknown(),
  event: z.unknown().optional(),
});

/** Renders `input` for an event (or a sample of its first subscribed type) without sending anything. */
export function preview(deps: ApiDeps, input: WebhookInput, event: unknown) {
  validateWebhook(input, deps.templates, deps.catalog, deps.now());
  const now = deps.now();
  const heraldEvent =
    event === undefined
      ? sampleEvent(input.event_types.find((type) => !type.includes("*")) ?? "test", now)
      : acceptEvent(parseOrThrow(incomingEventSchema, event, ["event"]), now, () => crypto.randomUUID());
  const rendered = renderForWebhook(
    {
      format: input.format,
      options: input.options,
      template: input.template,
      url: input.url,
      syslog: input.syslog,
    },
    [heraldEvent],
    deps.templates,
    now,
  );
  return { content_type: rendered.contentType, body: rendered.body, warnings: rendered.warnings };
}

export function formatRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();

  /** Every format with its content type, its options' JSON Schema and its default template. */
  app.get("/formats", allow("viewer"), (c) =>
    c.json({
      data: FORMATS.map((format) => ({
        name: format.name,
        description: format.description,
        content_type: format.contentType,
        options_schema: z.toJSONSchema(format.optionsSchema, { io: "input", unrepresentable: "any" }),
        default_template: deps.templates.defaultSource(format.name),
      })),
    }),
  );

  /** Preview for a webhook that is not saved yet (an editor): {webhook: {...}, event?: {...}}. */
  app.post("/preview", allow("viewer"), async (c) => {
    const request = parseOrThrow(previewRequestSchema, await readJson(c));
    const input = parseOrThrow(previewDefinitionSchema, request.webhook ?? {}, ["webhook"]);
    return c.json(preview(deps, input, request.event));
  });

  return app;
}
