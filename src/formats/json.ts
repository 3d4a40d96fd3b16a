import { z } from "zod";
import type { HeraldEvent } from "../events/event";
import { timeSpan } from "./digest";
import {
  type DigestInput,
  type Format,
  parseTemplateJson,
  type RenderTemplate,
  templateContext,
} from "./format";

const jsonOptionsSchema = z.object({}).strict();

/**
 * Generic JSON: one event, one JSON object, shaped by the template (templates/json.hbs). A digest
 * is one object around every event as the template renders it alone, so that whatever the
 * template, a receiver gets each event of the group: none is left out for being in a digest.
 */
export const jsonFormat: Format<z.infer<typeof jsonOptionsSchema>> = {
  name: "json",
  description: "Generic JSON webhook: one object per event",
  contentType: "application/json",
  allowsContentTypeHeader: true,
  optionsSchema: jsonOptionsSchema,
  digest: true,
  render({ event, options, template, suppressed = 0, digest }) {
    // Parsing checks the template's output; re-serialising sends it compact.
    const body = JSON.stringify(
      digest
        ? digestObject(digest, options, template, suppressed)
        : renderObject(template, event, options, suppressed),
    );
    return { contentType: "application/json", body, warnings: [] };
  },
};

function renderObject(template: RenderTemplate, event: HeraldEvent, options: object, suppressed: number) {
  return parseTemplateJson(template(templateContext(event, options, suppressed)));
}

/** The digest: what the group's events have in common, and each event as the template renders it. */
function digestObject(digest: DigestInput, options: object, template: RenderTemplate, suppressed: number) {
  const { first, last, span_s } = timeSpan(digest.events);
  return {
    digest: true,
    count: digest.events.length,
    group: digest.group,
    first: first.time,
    last: last.time,
    span_s,
    events: digest.events.map((event) => renderObject(template, event, options, 0)),
    suppressed,
  };
}
