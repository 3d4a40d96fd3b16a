import { Hono } from "hono";
import { z } from "zod";
import { parseOrThrow } from "../errors";
import { incomingEventSchema } from "../events/event";
import { FORMATS } from "../formats/registry";
import { type WebhookInput, webhookInputSchema } from "../webhooks/schema";
import { allow } from "./auth";
import type { ApiDeps, AppEnv } from "./deps";
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

/** The API's answer for a preview: what would be sent, `body` then each of `parts` (usually none). */
export async function previewAnswer(
  deps: ApiDeps,
  input: WebhookInput,
  event: unknown,
  eventPath?: string[],
) {
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

export function formatRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();

  /** Every format with its content type, its options' JSON Schema and its default template. */
  app.get("/formats", allow("viewer"), (c) =>
    c.json({
      data: FORMATS.map((format) => ({
        name: format.name,
        description: format.description,
        content_type: format.contentType,
        destination: format.destination ?? "http",
        max_events_per_request: format.batch?.max ?? 1,
        secret_options: (format.secretOptions ?? []).map((path) => path.join(".")),
        options_schema: z.toJSONSchema(format.optionsSchema, { io: "input", unrepresentable: "any" }),
        default_template: deps.templates.defaultSource(format.name),
      })),
    }),
  );

  /** Preview for a webhook that is not saved yet (an editor): {webhook: {...}, event?: {...}}. */
  app.post("/preview", allow("viewer"), async (c) => {
    const request = parseOrThrow(previewRequestSchema, await readJson(c));
    const input = parseOrThrow(webhookInputSchema, withPreviewDefaults(request.webhook ?? {}), ["webhook"]);
    return c.json(await previewAnswer(deps, input, request.event));
  });

  return app;
}
