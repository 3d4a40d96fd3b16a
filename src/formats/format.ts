import type { HelperDelegate } from "handlebars";
import type { z } from "zod";
import type { HeraldEvent } from "../events/event";
import type { JsonKind } from "../templates/json-lexer";
import type { KeyFieldTable } from "./key-fields";

/** A compiled template: the template context in, text out. */
export interface RenderTemplate {
  (context: TemplateContext): string;
  /**
   * For formats that send JSON: the output as compact JSON, checked without a parse when the
   * engine could prove the template (src/templates/json-proof.ts), else as the template wrote it,
   * for the format to parse. Absent (a template the engine did not compile): call and parse.
   */
  json?: (context: TemplateContext) => TemplateJson;
}

/**
 * A JSON template's output. `checked`: valid JSON, exactly what JSON.stringify(JSON.parse(...))
 * of the template's own output would give, and `kinds` says what its top-level value can be.
 */
export type TemplateJson =
  | { text: string; checked: true; kinds: ReadonlySet<JsonKind> }
  | { text: string; checked: false };

/** What a template sees: the event's fields at the top level, the format's options beside them. */
export interface TemplateContext extends HeraldEvent {
  event_type: string;
  options: Record<string, unknown>;
  /** Repeats the webhook's dedup suppressed since its previous message (0: none). */
  suppressed: number;
}

export interface RenderInput<Options> {
  event: HeraldEvent;
  options: Options;
  template: RenderTemplate;
  /** The send time; formats never read the clock themselves. */
  now: Date;
  /**
   * The key fields the human formats show first (src/formats/key-fields.ts), with the names
   * HERALD_FIELD_ALIASES adds. Absent: the built-in table.
   */
  keyFields?: KeyFieldTable;
  /** Repeats the webhook's dedup suppressed since its previous message, which this one reports. Absent: 0. */
  suppressed?: number;
  /**
   * Set when this one message is a digest of several events of one group (a webhook's `group`;
   * only for formats that declare `digest`): `event` is then the digest's most severe event, the
   * latest among equals (leadEvent in digest.ts), and messageContext (digest.ts) gives its
   * template the digest's fields beside that event's.
   */
  digest?: DigestInput;
}

/** The events of one group that one digest carries, oldest first, and the group's values by field path. */
export interface DigestInput {
  events: HeraldEvent[];
  group: Record<string, unknown>;
}

export interface Rendered {
  contentType: string;
  body: string;
  /** What had to be changed to fit the destination (cut, replaced), said so an operator can see it. */
  warnings: string[];
  /**
   * The messages after `body`, in order, when one event takes several (limit_policy split): each
   * is sent as its own request, with its own headers. Absent or empty: `body` is the whole.
   * A format that declares `batch` never has parts.
   */
  parts?: string[];
}

/**
 * One output format. Formats are pure: one event, options and template in, bytes out; no I/O
 * and no clock. A format throws FormatError when its template produced something its receiver
 * cannot parse.
 */
export interface Format<Options = Record<string, unknown>> {
  name: string;
  description: string;
  contentType: string;
  optionsSchema: z.ZodType<Options>;
  /** Template helpers this format brings (escaping, severity mappings); shared by all templates. */
  helpers?: Record<string, HelperDelegate>;
  /**
   * Several events in one request, when the receiver takes them (Splunk HEC, Elasticsearch _bulk):
   * at most `max`, their bodies joined by `separator` and the whole followed by `terminator`.
   * Absent: one event per request. A destination may cap it further.
   */
  batch?: { max: number; separator: string; terminator?: string };
  /**
   * The destination kind whose answers this format's receivers give, when it is not plain HTTP
   * (splunk_hec: Splunk's {"text","code"} answers and acknowledgements). Absent: "http".
   */
  destination?: string;
  /**
   * The format can say several events in one message (a chat message, an alert): a grouping
   * webhook sends each group's events as one digest. Absent: grouping only sends a group's events
   * together, each its own message or line (a SIEM never gets events merged into one line).
   */
  digest?: boolean;
  /** What render returns is a complete syslog message, which a syslog destination sends as is. */
  completeSyslogMessage?: boolean;
  /**
   * A custom Content-Type header may replace `contentType`: the receiver of this format may want
   * its own media type (e.g. application/cloudevents+json). Absent: the content type is fixed.
   */
  allowsContentTypeHeader?: boolean;
  /** Paths inside the options of values nobody reads back (a routing key): write-only, like secret settings. */
  secretOptions?: readonly (readonly string[])[];
  render(input: RenderInput<Options>): Rendered;
}

export class FormatError extends Error {
  override name = "FormatError";
}

export function templateContext(event: HeraldEvent, options: object, suppressed = 0): TemplateContext {
  // Field by field rather than {...event, …}: V8 gives a spread copy a shape that the keys added
  // after it make slow (about 1 µs each, per render), where this literal takes a few nanoseconds.
  return {
    id: event.id,
    type: event.type,
    source: event.source,
    time: event.time,
    severity: event.severity,
    title: event.title,
    subject: event.subject,
    data: event.data,
    event_type: event.type,
    options: options as Record<string, unknown>,
    suppressed,
  };
}

/** A JSON object, as the JSON-producing formats parse their templates' output. */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A JSON template's output: checked without a parse when the engine proved the template, else as written. */
export function templateJson(template: RenderTemplate, context: TemplateContext): TemplateJson {
  return template.json ? template.json(context) : { text: template(context), checked: false };
}

/**
 * A JSON template's output as compact JSON. A proven template's output is that already, and no
 * value can break it (src/templates/json-proof.ts: its helpers write whole JSON values or escaped
 * string content, anything else is guarded); any other output is parsed, a FormatError when it is
 * not JSON, and written compact, as every output was before.
 */
export function compactTemplateJson(template: RenderTemplate, context: TemplateContext): string {
  const output = templateJson(template, context);
  return output.checked ? output.text : JSON.stringify(parseTemplateJson(output.text));
}

/** Parses what a template produced; a FormatError names what was wrong. */
export function parseTemplateJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FormatError(`the template did not produce valid JSON: ${(error as Error).message}`);
  }
}
