import { z } from "zod";
import type { HeraldEvent } from "../events/event";
import { timeSpan } from "./digest";
import {
  compactTemplateJson,
  type DigestInput,
  type Format,
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
    // Sent compact: checked without a parse when the template is proven, else parsed and re-serialised.
    const body = digest
      ? digestBody(digest, options, template, suppressed)
      : renderEvent(template, event, options, suppressed);
    return { contentType: "application/json", body, warnings: [] };
  },
};

function renderEvent(template: RenderTemplate, event: HeraldEvent, options: object, suppressed: number) {
  return compactTemplateJson(template, templateContext(event, options, suppressed));
}

/** The digest: what the group's events have in common, and each event as the template renders it. */
function digestBody(digest: DigestInput, options: object, template: RenderTemplate, suppressed: number) {
  const { first, last, span_s } = timeSpan(digest.events);
  const head = JSON.stringify({
    digest: true,
    count: digest.events.length,
    group: digest.group,
    first: first.time,
    last: last.time,
    span_s,
  });
  const events = digest.events.map((event) => renderEvent(template, event, options, 0));
  // The same bytes as JSON.stringify of the whole object, without parsing each event back.
  return `${head.slice(0, -1)},"events":[${events.join(",")}],"suppressed":${JSON.stringify(suppressed)}}`;
}
