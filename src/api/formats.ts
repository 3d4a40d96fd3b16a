import { Hono } from "hono";
import { z } from "zod";
import { allow } from "../auth";
import { parseOrThrow } from "../errors";
import { FORMATS } from "../formats/registry";
import { previewWebhook } from "../webhooks/preview";
import { type WebhookInput, webhookInputSchema } from "../webhooks/schema";
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

/** The API's answer for a preview. */
export function previewAnswer(deps: ApiDeps, input: WebhookInput, event: unknown, eventPath?: string[]) {
  const rendered = previewWebhook(input, event, deps, eventPath);
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
    return c.json(previewAnswer(deps, input, request.event));
  });

  return app;
}
