import { z } from "zod";
import { type Format, FormatError, parseTemplateJson, templateContext } from "./format";

const jsonOptionsSchema = z.object({}).strict();

/** Generic JSON: one event, one JSON object, shaped by the template (templates/json.hbs). */
export const jsonFormat: Format<z.infer<typeof jsonOptionsSchema>> = {
  name: "json",
  description: "Generic JSON webhook: one object per event",
  contentType: "application/json",
  allowsContentTypeHeader: true,
  optionsSchema: jsonOptionsSchema,
  render({ events, options, template }) {
    const [event] = events;
    if (!event || events.length > 1) throw new FormatError("the json format sends one event per request");
    // Parsing checks the template's output; re-serialising sends it compact.
    const body = JSON.stringify(parseTemplateJson(template(templateContext(event, options))));
    return { contentType: "application/json", body, warnings: [] };
  },
};
