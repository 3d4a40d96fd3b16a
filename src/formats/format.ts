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
  render(input: RenderInput<Options>): Rendered;
}

export class FormatError extends Error {
  override name = "FormatError";
}

export function templateContext(event: HeraldEvent, options: object): TemplateContext {
  return { ...event, event_type: event.type, options: options as Record<string, unknown> };
}
