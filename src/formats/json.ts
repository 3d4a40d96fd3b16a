import { z } from "zod";
import { type Format, FormatError, templateContext } from "./format";

const jsonOptionsSchema = z.object({}).strict();

/** Generic JSON: one event, one JSON object, shaped by the template (templates/json.hbs). */
export const jsonFormat: Format<z.infer<typeof jsonOptionsSchema>> = {
  name: "json",
  description: "Generic JSON webhook: one object per event",
  contentType: "application/json",
  optionsSchema: jsonOptionsSchema,
  render({ events, options, template }) {
    const [event] = events;
    if (!event || events.length > 1) throw new FormatError("the json format sends one event per request");
    const text = template(templateContext(event, options));
    try {
      // Parsing checks the template's output; re-serialising sends it compact.
      return { contentType: "application/json", body: JSON.stringify(JSON.parse(text)), warnings: [] };
    } catch (error) {
      throw new FormatError(`the template did not produce valid JSON: ${(error as Error).message}`);
    }
  },
};
