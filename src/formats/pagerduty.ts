import { createHash } from "node:crypto";
import { z } from "zod";
import { DEFAULT_SOURCE, type HeraldEvent } from "../events/event";
import type { Severity } from "../events/severity";
import { charCount, mostThatFit, truncateChars, valueText } from "../text";
import { type DigestFields, messageContext } from "./digest";
import { type Format, FormatError, isObject, type JsonObject, parseTemplateJson } from "./format";
import { humanOptionsShape } from "./human";
import { type EventLink, eventLinks } from "./links";
import { findKeyFields, keyFieldsFirst } from "./shown-fields";

/**
 * PagerDuty Events API v2 limits (developer.pagerduty.com/docs/events-api-v2/trigger-events/ and
 * /docs/events-api-v2/overview/): summary at most 1,024 characters, dedup_key at most 255, a
 * whole event at most 512 KB (Alertmanager enforces 512,000 bytes; so does Herald).
 */
const LIMITS = { summary: 1024, dedupKey: 255, eventBytes: 512_000 };
/** Strings in custom_details longer than this are cut first when an event is over 512 KB. */
const DETAIL_TEXT_CAP = 1024;

/**
 * The routing key of an Events API v2 integration ("Integration Key"): PagerDuty answers
 * "Length of 'routing_key' is incorrect (should be 32 characters)" for any other length. Keys are
 * letters and digits. A secret: exported so that destination settings can validate it the same way.
 */
export const pagerDutyRoutingKeySchema = z
  .string({ error: "the routing key of a PagerDuty Events API v2 integration is required" })
  .regex(
    /^[A-Za-z0-9]{32}$/,
    "must be the 32-character Integration Key of a PagerDuty Events API v2 integration (letters and digits)",
  );

const pagerDutyOptionsSchema = z
  .object({
    routing_key: pagerDutyRoutingKeySchema,
    /** payload.source, "the unique location of the affected system"; default: the event's source. */
    source: z.string().trim().min(1).max(1024).optional(),
    /** The monitoring client PagerDuty names, and links to with client_url, on the alert. */
    client: z.string().trim().min(1).max(256).default("Herald"),
    client_url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
    ...humanOptionsShape,
  })
  .strict();
export type PagerDutyOptions = z.infer<typeof pagerDutyOptionsSchema>;

/**
 * PagerDuty knows four severities. Herald's low and medium both become warning (low urgency under
 * PagerDuty's dynamic notifications), high becomes error and critical critical (high urgency).
 */
const PAGERDUTY_SEVERITY: Record<Severity, "critical" | "error" | "warning" | "info"> = {
  info: "info",
  low: "warning",
  medium: "warning",
  high: "error",
  critical: "critical",
};

/** What templates/pagerduty.hbs may set; the format builds the rest of the event. */
const TEMPLATE_KEYS = ["summary", "dedup_key", "component", "group", "class", "custom_details"];

/**
 * PagerDuty Events API v2 (POST https://events.pagerduty.com/v2/enqueue): one trigger event per
 * Herald event. The template (templates/pagerduty.hbs) shapes the summary, dedup_key, component,
 * group, class and custom_details; the format sets routing_key, event_action, severity, source,
 * timestamp, client and links, and holds the event to PagerDuty's limits, cutting with warnings.
 */
export const pagerDutyFormat: Format<PagerDutyOptions> = {
  name: "pagerduty",
  description: "PagerDuty Events API v2: a trigger event per event",
  contentType: "application/json",
  optionsSchema: pagerDutyOptionsSchema,
  secretOptions: [["routing_key"]],
  digest: true,
  render(input) {
    const { event, options, template, keyFields, suppressed = 0 } = input;
    const warnings: string[] = [];
    const { key, used } = findKeyFields(event, options.fields, keyFields);
    const links = eventLinks(event, options.link_template, warnings);
    const base = messageContext(input);
    const digest = "digest" in base ? base : undefined;
    // Assigned, not spread, for speed (see templateContext).
    const context = Object.assign(base, {
      key_fields: key,
      details: withSuppressed(digest ? digestDetails(digest) : keyFieldsFirst(event.data, used), suppressed),
    });
    const shaped = parseShape(template(context));
    // An alert's timestamp is when its tool saw it: a digest's latest event.
    const stamped = digest ? { ...event, time: digest.last.time } : event;
    const pdEvent = triggerEvent(stamped, shaped, options, links, warnings);
    const body = fitToLimit(pdEvent, warnings);
    return { contentType: "application/json", body, warnings };
  },
};

/**
 * A digest's details, as a responder reads them in the alert: how many events of the group, from
 * when to when, the values of its key fields that vary, and the latest events, newest first.
 */
function digestDetails(digest: DigestFields): JsonObject {
  return {
    events: digest.count,
    group: digest.group,
    first: digest.first.time,
    last: digest.last.time,
    span_s: digest.span_s,
    ...(digest.types.distinct > 1 && { types: digest.types.text }),
    ...(digest.sources.distinct > 1 && { sources: digest.sources.text }),
    top: Object.fromEntries(digest.top.map((field) => [field.label, field.text])),
    latest: digest.listed.map((event) => `${event.time} ${event.severity.toUpperCase()} ${event.line}`),
    unlisted: digest.unlisted,
  };
}

/** The details a responder reads, led by the repeats dedup suppressed, when there were any. */
function withSuppressed(details: JsonObject, suppressed: number): JsonObject {
  return suppressed > 0 ? { repeats_suppressed: suppressed, ...details } : details;
}

function parseShape(text: string): JsonObject {
  const shaped = parseTemplateJson(text);
  if (!isObject(shaped)) throw new FormatError("the template must produce a JSON object");
  const unknown = Object.keys(shaped).filter((key) => !TEMPLATE_KEYS.includes(key));
  if (unknown.length > 0) {
    throw new FormatError(
      `the template may set only ${TEMPLATE_KEYS.join(", ")}; not ${unknown.map((key) => JSON.stringify(key)).join(", ")}`,
    );
  }
  return shaped;
}

/** A template value as text: strings as they are, other values as JSON; "" when blank or missing. */
function textOf(value: unknown): string {
  const text = valueText(value);
  return text.trim() === "" ? "" : text;
}

/** The first of `texts` that is not blank, else `fallback`: PagerDuty refuses blank summaries and sources. */
function firstText(texts: string[], fallback: string): string {
  return texts.find((text) => text.trim() !== "") ?? fallback;
}

function triggerEvent(
  event: HeraldEvent,
  shaped: JsonObject,
  options: PagerDutyOptions,
  links: EventLink[],
  warnings: string[],
): JsonObject {
  const summary = firstText([textOf(shaped.summary), event.title, event.type], "Herald event");
  const cutSummary = truncateChars(summary, LIMITS.summary);
  if (cutSummary !== summary) {
    warnings.push(`payload.summary: cut from ${charCount(summary)} to ${LIMITS.summary} characters`);
  }
  return {
    routing_key: options.routing_key,
    event_action: "trigger",
    dedup_key: dedupKey(textOf(shaped.dedup_key) || event.id, warnings),
    client: options.client,
    client_url: options.client_url,
    links: links.length > 0 ? links.map(({ url, title }) => ({ href: url, text: title })) : undefined,
    payload: {
      summary: cutSummary,
      source: options.source ?? firstText([event.source], DEFAULT_SOURCE),
      severity: PAGERDUTY_SEVERITY[event.severity],
      timestamp: event.time,
      component: textOf(shaped.component) || undefined,
      group: textOf(shaped.group) || undefined,
      class: textOf(shaped.class) || undefined,
      custom_details: customDetails(shaped.custom_details, warnings),
    },
  };
}

/**
 * The key PagerDuty groups triggers by, at most 255 characters. A longer one is not cut, which
 * could merge different alerts sharing a prefix: its start is kept and a SHA-256 of the whole
 * replaces the rest, so equal keys stay equal and different ones different.
 */
function dedupKey(key: string, warnings: string[]): string {
  const length = charCount(key);
  if (length <= LIMITS.dedupKey) return key;
  const hash = createHash("sha256").update(key).digest("hex");
  const kept = Array.from(key)
    .slice(0, LIMITS.dedupKey - hash.length - 1)
    .join("");
  warnings.push(
    `dedup_key: ${length} characters, shortened to ${LIMITS.dedupKey} with a SHA-256 of the whole`,
  );
  return `${kept}:${hash}`;
}

/** custom_details must be an object: any other value the template gave is wrapped in one. */
function customDetails(value: unknown, warnings: string[]): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (isObject(value)) return value;
  warnings.push('custom_details: not an object, sent as {"details": …}');
  return { details: value };
}

function byteSize(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), "utf8");
}

/**
 * The event as JSON within PagerDuty's 512 KB: when it is larger, the long strings of
 * custom_details are cut to 1,024 characters, then its last entries left out, as many as it
 * takes, with an entry saying how many.
 */
function fitToLimit(pdEvent: JsonObject, warnings: string[]): string {
  const whole = JSON.stringify(pdEvent);
  if (Buffer.byteLength(whole, "utf8") <= LIMITS.eventBytes) return whole;
  const payload = pdEvent.payload as JsonObject;
  const cuts = { count: 0 };
  for (const key of ["component", "group", "class"]) {
    if (typeof payload[key] === "string") payload[key] = cutLongTexts(payload[key], cuts);
  }
  const details = cutLongTexts(payload.custom_details, cuts) as JsonObject | undefined;
  payload.custom_details = details;
  if (cuts.count > 0) {
    warnings.push(
      `custom_details: ${cuts.count} texts cut to ${DETAIL_TEXT_CAP} characters to stay under PagerDuty's 512 KB event limit`,
    );
  }
  if (byteSize(pdEvent) <= LIMITS.eventBytes) return JSON.stringify(pdEvent);

  const entries = Object.entries(details ?? {});
  const withEntries = (kept: number) => {
    const left = entries.length - kept;
    payload.custom_details = Object.fromEntries(
      left > 0
        ? [
            ...entries.slice(0, kept),
            ["herald_note", `${left} of ${entries.length} entries left out: PagerDuty takes at most 512 KB`],
          ]
        : entries,
    );
    return pdEvent;
  };
  const kept = mostThatFit(entries.length, (count) => byteSize(withEntries(count)) <= LIMITS.eventBytes);
  if (kept === undefined)
    throw new FormatError("the event exceeds PagerDuty's 512 KB even without custom_details");
  warnings.push(
    `custom_details: ${entries.length - kept} of ${entries.length} entries left out to stay under PagerDuty's 512 KB event limit`,
  );
  return JSON.stringify(withEntries(kept));
}

/** A copy of `value` with every string longer than the cap cut to it; counts the cuts. */
function cutLongTexts(value: unknown, cuts: { count: number }): unknown {
  if (typeof value === "string") {
    const cut = truncateChars(value, DETAIL_TEXT_CAP);
    if (cut !== value) cuts.count++;
    return cut;
  }
  if (Array.isArray(value)) return value.map((item) => cutLongTexts(item, cuts));
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, cutLongTexts(item, cuts)]));
  }
  return value;
}
