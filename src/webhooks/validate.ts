import { findDestination } from "../destinations/registry";
import { issuesFromZod, ValidationError } from "../errors";
import type { EventCatalog } from "../events/catalog";
import type { HeraldEvent } from "../events/event";
import { subscriptionMatches } from "../events/matching";
import { FormatError } from "../formats/format";
import type { KeyFieldTable } from "../formats/key-fields";
import { splitsMessages } from "../formats/limit-policy";
import { findFormat } from "../formats/registry";
import { type TemplateEngine, TemplateError } from "../templates/handlebars";
import type { WebhookInput } from "./schema";

/** A sample event of `type`, with data shaped like the systems Herald serves, for template checks. */
export function sampleEvent(type: string, now: Date): HeraldEvent {
  return {
    id: "sample-0001",
    type,
    source: "herald.sample",
    time: now.toISOString(),
    severity: "high",
    title: `Sample ${type} event`,
    subject: "sample",
    data: {
      client_ip: "203.0.113.7",
      reason: "sample",
      path: "/login",
      attempts: 3,
      tags: ["a", "b"],
      nested: { k: 1 },
    },
  };
}

/** Every type the webhook subscribes to that a sample can stand for: listed names and catalog types. */
function subscribedTypes(input: WebhookInput, catalog: EventCatalog): string[] {
  const subscription = {
    eventTypes: input.event_types,
    eventsPolicy: input.events_policy,
    minSeverity: "info" as const,
  };
  const named =
    input.events_policy === "include" ? input.event_types.filter((pattern) => !pattern.endsWith("*")) : [];
  const fromCatalog = Object.keys(catalog).filter((type) =>
    subscriptionMatches(subscription, sampleEvent(type, new Date(0))),
  );
  const types = [...new Set([...named, ...fromCatalog])];
  return types.length > 0 ? types : ["test"];
}

/**
 * Checks what the input schema cannot: the format exists, its options fit the format's own
 * schema, and the template compiles and renders a sample of each subscribed type.
 */
export function validateWebhook(
  input: WebhookInput,
  templates: TemplateEngine,
  catalog: EventCatalog,
  now: Date,
  keyFields?: KeyFieldTable,
): void {
  const format = findFormat(input.format);
  if (!format) {
    throw new ValidationError([{ path: "format", message: `unknown format "${input.format}"` }]);
  }
  const options = format.optionsSchema.safeParse(input.options);
  if (!options.success) throw new ValidationError(issuesFromZod(options.error, ["options"]));
  // Parts are requests of their own, told apart by their headers: a syslog message carries none.
  if (splitsMessages(options.data) && findDestination(input.destination.kind)?.sendsHeaders === false) {
    const message = `split sends several messages over HTTP; a ${input.destination.kind} destination takes one per event: use truncate or reject`;
    throw new ValidationError([{ path: "options.limit_policy", message }]);
  }

  let sampleType: string | undefined;
  try {
    const template = templates.compile(input.template ?? templates.defaultSource(format.name));
    for (sampleType of subscribedTypes(input, catalog)) {
      const event = sampleEvent(sampleType, now);
      format.render({ event, options: options.data, template, now, keyFields });
    }
  } catch (error) {
    if (!(error instanceof TemplateError || error instanceof FormatError)) throw error;
    const message = sampleType ? `rendering a sample ${sampleType} event: ${error.message}` : error.message;
    const where = error instanceof TemplateError ? { line: error.line, column: error.column } : {};
    throw new ValidationError([{ path: "template", message, ...where }]);
  }
}
