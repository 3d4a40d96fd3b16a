import Handlebars, { type HelperDelegate, type HelperOptions } from "handlebars";
import type { HeraldEvent } from "../../src/events/event";
import type { Format, RenderTemplate, TemplateContext } from "../../src/formats/format";
import { FORMATS } from "../../src/formats/registry";
import { genericHelpers } from "../../src/templates/helpers";
import { HOSTILE_EVENTS } from "../formats/contract/events";
import { allFixtureEvents } from "../support/fixtures";
import { engine, NOW } from "../support/render";

/** Every helper the engine registers: the generic ones and every format's. */
export const ALL_HELPERS: Record<string, HelperDelegate> = Object.assign(
  { ...genericHelpers },
  ...FORMATS.map((format) => format.helpers ?? {}),
);

/**
 * Handlebars as the engine used it before templates were compiled once with known helpers: the
 * same helpers, `log` unregistered, compiled by Handlebars itself and set up on every render,
 * {{#each}} wrapped as it was (the wrapper's names show in its errors). What the engine must
 * render exactly alike, errors included.
 */
export function referenceRender(source: string, context: unknown): string {
  let compiled = referenceTemplates.get(source);
  if (!compiled) {
    compiled = reference.compile(source, { noEscape: true, strict: false, knownHelpers: { log: false } });
    referenceTemplates.set(source, compiled);
  }
  return compiled(context);
}

const reference = Handlebars.create();
reference.unregisterHelper("log");
reference.registerHelper(ALL_HELPERS);
const builtinEach = reference.helpers.each as HelperDelegate;
reference.registerHelper("each", function (this: unknown, ...args: unknown[]) {
  const options = args[args.length - 1] as HelperOptions;
  const iteration = options.fn;
  options.fn = (iterationContext, data) => iteration(iterationContext, data);
  return (builtinEach as (...list: unknown[]) => unknown).apply(this, args);
});
const referenceTemplates = new Map<string, HandlebarsTemplateDelegate>();

/** A render's output, or its error's message. */
export function outcome(render: () => string): { output: string } | { error: string } {
  try {
    return { output: render() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** The options every format takes without any given (pagerduty needs a routing key). */
export function defaultOptions(format: Format<never>): unknown {
  const parsed = format.optionsSchema.safeParse({});
  return parsed.success ? parsed.data : format.optionsSchema.parse({ routing_key: "r".repeat(32) });
}

/**
 * The contexts a format gives its default template for `events`: captured by rendering through
 * a template that records them and renders with the engine's compiled template.
 */
export function formatContexts(format: Format<never>, events: HeraldEvent[]): TemplateContext[] {
  const compiled = engine.compile(engine.defaultSource(format.name));
  const contexts: TemplateContext[] = [];
  const recording = Object.assign(
    (context: TemplateContext) => {
      contexts.push(context);
      return compiled(context);
    },
    {
      json: (context: TemplateContext) => {
        contexts.push(context);
        return { text: compiled(context), checked: false as const };
      },
    },
  ) satisfies RenderTemplate;
  for (const event of events) {
    try {
      format.render({ event, options: defaultOptions(format) as never, template: recording, now: NOW });
    } catch {
      // A format may refuse an event (a limit_policy, a check); its context was recorded.
    }
  }
  return contexts;
}

/** The fixtures and the format contract's hostile events. */
export const SAMPLE_EVENTS: HeraldEvent[] = [
  ...allFixtureEvents().map(({ event }) => event),
  ...HOSTILE_EVENTS.map(({ event }) => event),
];

/** The formats whose templates write JSON. */
export const JSON_FORMATS = FORMATS.filter((format) => format.contentType === "application/json");
