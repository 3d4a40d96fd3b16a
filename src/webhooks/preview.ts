import { renderForWebhook } from "../delivery/render";
import { parseOrThrow, ValidationError } from "../errors";
import type { EventCatalog } from "../events/catalog";
import { acceptEvent, incomingEventSchema } from "../events/event";
import { FormatError, type Rendered } from "../formats/format";
import type { KeyFieldTable } from "../formats/key-fields";
import { type TemplateEngine, TemplateError } from "../templates/handlebars";
import type { WebhookInput } from "./schema";
import { sampleEvent, validateWebhook } from "./validate";

export interface PreviewDeps {
  templates: TemplateEngine;
  catalog: EventCatalog;
  now: () => Date;
  maxBytesPerEvent: number;
  /** The key fields the human formats show first; absent: the built-in table. */
  keyFields?: KeyFieldTable;
}

/**
 * Exactly what a webhook defined by `input` would send for `event` (or for a sample of its first
 * subscribed type), without sending it. Everything wrong is a ValidationError: the definition
 * with its own paths, the event under `eventPath`, a template that fails on this event under
 * "template".
 */
export function previewWebhook(
  input: WebhookInput,
  event: unknown,
  deps: PreviewDeps,
  eventPath: string[] = ["event"],
): Rendered {
  const now = deps.now();
  validateWebhook(input, deps.templates, deps.catalog, now, deps.keyFields);
  const heraldEvent =
    event === undefined
      ? sampleEvent(input.event_types.find((type) => !type.includes("*")) ?? "test", now)
      : acceptEvent(parseOrThrow(incomingEventSchema, event, eventPath), now, () => crypto.randomUUID());
  try {
    return renderForWebhook(input, [heraldEvent], deps.templates, now, deps.maxBytesPerEvent, deps.keyFields);
  } catch (error) {
    if (!(error instanceof TemplateError || error instanceof FormatError)) throw error;
    const where = error instanceof TemplateError ? { line: error.line, column: error.column } : {};
    throw new ValidationError([{ path: "template", message: `for this event: ${error.message}`, ...where }]);
  }
}
