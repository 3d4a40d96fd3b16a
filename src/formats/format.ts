import type { HelperDelegate } from "handlebars";
import type { z } from "zod";
import type { HeraldEvent } from "../events/event";

/** A compiled template: the template context in, text out. */
export type RenderTemplate = (context: TemplateContext) => string;

/** What a template sees: the event's fields at the top level, the format's options beside them. */
export interface TemplateContext extends HeraldEvent {
  event_type: string;
  options: Record<string, unknown>;
}

export interface RenderInput<Options> {
  events: HeraldEvent[];
  options: Options;
  template: RenderTemplate;
  /** The send time; formats never read the clock themselves. */
  now: Date;
}

export interface Rendered {
  contentType: string;
  body: string;
  /** What had to be changed to fit the destination (cut, replaced), said so an operator can see it. */
  warnings: string[];
}

/**
 * One output format. Formats are pure: events, options and template in, bytes out; no I/O and
 * no clock. A format throws FormatError when its template produced something its receiver
 * cannot parse.
 */
export interface Format<Options = Record<string, unknown>> {
  name: string;
  description: string;
  contentType: string;
  optionsSchema: z.ZodType<Options>;
  /** Template helpers this format brings (escaping, severity mappings); shared by all templates. */
  helpers?: Record<string, HelperDelegate>;
  /** How many events one request may carry; absent: one. */
  maxBatch?: number;
  /**
   * A custom Content-Type header may replace `contentType`: the receiver of this format may want
   * its own media type (e.g. application/cloudevents+json). Absent: the content type is fixed.
   */
  allowsContentTypeHeader?: boolean;
  render(input: RenderInput<Options>): Rendered;
}

export class FormatError extends Error {
  override name = "FormatError";
}

export function templateContext(event: HeraldEvent, options: object): TemplateContext {
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
  };
}

/** A JSON object, as the JSON-producing formats parse their templates' output. */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses what a template produced; a FormatError names what was wrong. */
export function parseTemplateJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FormatError(`the template did not produce valid JSON: ${(error as Error).message}`);
  }
}
