import { z } from "zod";
import { type Format, parseTemplateJson, templateContext } from "./format";

const jsonOptionsSchema = z.object({}).strict();

/** Generic JSON: one event, one JSON object, shaped by the template (templates/json.hbs). */
export const jsonFormat: Format<z.infer<typeof jsonOptionsSchema>> = {
  name: "json",
  description: "Generic JSON webhook: one object per event",
  contentType: "application/json",
  allowsContentTypeHeader: true,
  optionsSchema: jsonOptionsSchema,
  render({ event, options, template, suppressed }) {
    // Parsing checks the template's output; re-serialising sends it compact.
    const body = JSON.stringify(parseTemplateJson(template(templateContext(event, options, suppressed))));
    return { contentType: "application/json", body, warnings: [] };
  },
};
