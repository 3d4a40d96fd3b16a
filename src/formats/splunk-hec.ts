import { z } from "zod";
import type { HeraldEvent } from "../events/event";
import {
  type Format,
  FormatError,
  isObject,
  parseTemplateJson,
  templateContext,
  templateJson,
} from "./format";

/** Splunk's rule for index names. */
const INDEX_NAME = /^[a-z0-9][a-z0-9_-]*$/;
/** Splunk field names: a letter first, then letters, digits, underscores and dots. */
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_.]*$/;

const splunkHecOptionsSchema = z
  .object({
    index: z
      .string()
      .regex(
        INDEX_NAME,
        "must be a Splunk index name: lowercase letters, digits, _ and -, not starting with _ or -",
      )
      .optional(),
    /** Default: the event's source. */
    source: z.string().min(1).optional(),
    sourcetype: z.string().min(1).default("herald:event"),
    host: z.string().min(1).default("herald"),
    /** Indexed fields added to every event. */
    fields: z
      .record(z.string(), z.string({ error: "field values must be strings" }))
      .superRefine((fields, context) => {
        for (const name of Object.keys(fields).filter((name) => !FIELD_NAME.test(name))) {
          context.addIssue({
            code: "custom",
            path: [name],
            message: `"${name}" is not a Splunk field name: a letter first, then letters, digits, _ and .`,
          });
        }
      })
      .optional(),
  })
  .strict();
export type SplunkHecOptions = z.infer<typeof splunkHecOptionsSchema>;

/**
 * Splunk HTTP Event Collector (/services/collector/event). The template (templates/splunk_hec.hbs)
 * shapes each event's "event"; the envelope around it comes from the event and the options.
 * Several events go in one request as JSON objects one after another, one per line.
 */
export const splunkHecFormat: Format<SplunkHecOptions> = {
  name: "splunk_hec",
  description: "Splunk HTTP Event Collector: one JSON object per event, several events per request",
  contentType: "application/json",
  optionsSchema: splunkHecOptionsSchema,
  // HEC takes many events per request, JSON objects one after another; 100 small events stay far
  // below Splunk's default 1 MB limit.
  batch: { max: 100, separator: "\n" },
  destination: "splunk_hec",
  render({ event, options, template, suppressed }) {
    const output = templateJson(template, templateContext(event, options, suppressed));
    // A proven template that always writes an object (the default) goes in as it is, checked
    // without a parse (src/templates/json-proof.ts); any other output is parsed and checked.
    const body =
      output.checked && output.kinds.size === 1 && output.kinds.has("object")
        ? withEvent(hecEvent(event, undefined, options), output.text)
        : JSON.stringify(hecEvent(event, parsePayload(output.text), options));
    return { contentType: "application/json", body, warnings: [] };
  },
};

/** The envelope's JSON with `event` (compact JSON) as its last key: JSON.stringify's bytes for the whole. */
function withEvent(envelope: Record<string, unknown>, event: string): string {
  const head = JSON.stringify(envelope);
  return `${head === "{}" ? "{" : `${head.slice(0, -1)},`}"event":${event}}`;
}

function parsePayload(text: string): unknown {
  const payload = parseTemplateJson(text);
  if (!isObject(payload) && !(typeof payload === "string" && payload !== "")) {
    throw new FormatError(
      "the template must produce a JSON object or a non-empty string: HEC takes nothing else",
    );
  }
  return payload;
}

function hecEvent(event: HeraldEvent, payload: unknown, options: SplunkHecOptions): Record<string, unknown> {
  return {
    // Epoch seconds; the division keeps the milliseconds (1771583400.123).
    time: Date.parse(event.time) / 1000,
    host: options.host,
    source: options.source ?? event.source,
    sourcetype: options.sourcetype,
    // JSON.stringify leaves out index and fields when they are not set.
    index: options.index,
    fields: options.fields,
    event: payload,
  };
}
