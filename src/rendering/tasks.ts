import { type RenderSettings, renderForWebhook } from "../delivery/render";
import type { EventCatalog } from "../events/catalog";
import type { HeraldEvent } from "../events/event";
import type { Rendered } from "../formats/format";
import type { KeyFieldTable } from "../formats/key-fields";
import type { TemplateEngine } from "../templates/handlebars";
import { previewWebhook } from "../webhooks/preview";
import type { WebhookInput } from "../webhooks/schema";
import { validateWebhook } from "../webhooks/validate";

/** What a render worker holds: its own template engine and compile cache. */
export interface RenderTaskDeps {
  templates: TemplateEngine;
  catalog: EventCatalog;
  maxBytesPerEvent: number;
  /** The key fields the human formats show first, with HERALD_FIELD_ALIASES' names. */
  keyFields: KeyFieldTable;
}

/** The work a render worker does: every call into user templates goes through one of these. */
export const RENDER_TASKS = {
  render(
    deps: RenderTaskDeps,
    webhook: RenderSettings,
    events: HeraldEvent[],
    now: Date,
    suppressed = 0,
  ): Rendered {
    const { templates, maxBytesPerEvent, keyFields } = deps;
    return renderForWebhook(webhook, events, templates, now, maxBytesPerEvent, keyFields, suppressed);
  },
  validate(deps: RenderTaskDeps, input: WebhookInput, now: Date): void {
    validateWebhook(input, deps.templates, deps.catalog, now, deps.keyFields);
  },
  preview(
    deps: RenderTaskDeps,
    input: WebhookInput,
    event: unknown,
    now: Date,
    eventPath?: string[],
  ): Rendered {
    return previewWebhook(input, event, { ...deps, now: () => now }, eventPath);
  },
};

export type RenderTasks = typeof RENDER_TASKS;
export type RenderTaskName = keyof RenderTasks;
