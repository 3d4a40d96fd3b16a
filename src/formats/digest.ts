import { createHash } from "node:crypto";
import type { HeraldEvent } from "../events/event";
import { severityRank } from "../events/severity";
import { valueText } from "../text";
import { type DigestInput, type RenderInput, type TemplateContext, templateContext } from "./format";
import { KEY_FIELDS, type KeyFieldTable } from "./key-fields";
import { findKeyFields, type ShownField } from "./shown-fields";

// A digest: several events of one group (a webhook's `group`) said in one message. Its template
// sees the fields of the digest's most severe event at the top level, as a single event's would
// (so severity, emoji, colour and mentions reflect the worst), and beside them what this file
// adds (DigestFields). Every list is bounded, so that a digest of 10,000 hostile events renders
// in bounded time and size: only `events` holds them all.

/** Events listed one by one in a digest; the rest are counted in `unlisted`. */
const MAX_LISTED = 10;
/** Values shown per counted field, most frequent first. */
const MAX_TOP_VALUES = 5;
/** Key fields whose values are counted in `top`. */
const MAX_TOP_FIELDS = 8;
/** A counted value is shown, and counted, by at most this many characters. */
const MAX_VALUE_CHARS = 200;
/** A listed event's line shows at most this much of its title and of its key field's value. */
const MAX_LINE_TITLE_CHARS = 150;
const MAX_LINE_VALUE_CHARS = 100;

/** One value and how many events of the digest have it. */
export interface ValueCount {
  value: string;
  count: number;
}

/** How a field's values are spread over the digest. */
export interface Tally {
  /** The most frequent values, at most MAX_TOP_VALUES, most frequent first (first seen among equals). */
  values: ValueCount[];
  /** How many different values there are. */
  distinct: number;
  /** Events whose value is not among `values`. */
  others: number;
  /** The same as one text: "192.168.1.100 ×20, 192.168.1.101 ×10, 7 more". */
  text: string;
}

/** A key field whose value varies inside the digest ("Source IP": 3 values). */
export interface TopField extends Tally {
  label: string;
}

/** One of the group's values: its path ("data.client_ip"), its label ("Source IP") and value. */
export interface GroupField {
  field: string;
  label: string;
  value: unknown;
}

/**
 * A listed event: its fields as a single event's template sees them, one key field to show, and
 * `line`: its title and that field as one text ("192.168.1.100 auto-banned for 1h · Source IP 192.168.1.100").
 */
export type ListedEvent = HeraldEvent & {
  event_type: string;
  key_field: ShownField | undefined;
  line: string;
};

/** What a digest's template sees besides the top-level fields of its most severe event. */
export interface DigestFields {
  digest: true;
  count: number;
  /** Every event, oldest first, as a single event's template sees its fields. */
  events: HeraldEvent[];
  /** The group's values by path: {"type": "auto_ban"}. */
  group: Record<string, unknown>;
  /** The same, as a list to iterate. */
  group_fields: GroupField[];
  /** A stable key of the group (its paths and values, hashed): "herald-group-<sha256>". */
  group_key: string;
  /** The events with the earliest and the latest time. */
  first: HeraldEvent;
  last: HeraldEvent;
  /** Whole seconds from first.time to last.time. */
  span_s: number;
  /** "37 auto_ban events from website-defender in 60 s". */
  headline: string;
  /** The newest events, at most MAX_LISTED, newest first. */
  listed: ListedEvent[];
  /** count − listed.length: the events said only as "and N more". */
  unlisted: number;
  /** The key fields whose values vary inside the digest, in the order they are shown, at most MAX_TOP_FIELDS. */
  top: TopField[];
  types: Tally;
  sources: Tally;
}

export type DigestContext = TemplateContext & DigestFields;

/** The event a digest's message is about: its most severe, the latest among equals. */
export function leadEvent(events: readonly HeraldEvent[]): HeraldEvent {
  let lead = events[0];
  if (!lead) throw new Error("a digest needs at least one event");
  for (const event of events) {
    if (severityRank(event.severity) >= severityRank(lead.severity)) lead = event;
  }
  return lead;
}

/**
 * What the template of `input` sees: templateContext of its event and, for a digest, the digest's
 * fields beside them. A single event's context is templateContext's, untouched.
 */
export function messageContext(input: RenderInput<object>): TemplateContext | DigestContext {
  const context = templateContext(input.event, input.options, input.suppressed);
  if (!input.digest) return context;
  const pinned = (input.options as { fields?: string[] }).fields;
  return Object.assign(context, digestFields(input.digest, input.keyFields, pinned));
}

/** The fields a digest adds to its lead event's context (see DigestFields). */
export function digestFields(
  { events, group }: DigestInput,
  table: KeyFieldTable = KEY_FIELDS,
  pinned?: string[],
): DigestFields {
  const { first, last, span_s } = timeSpan(events);
  const types = tally(events.map((event) => event.type));
  const sources = tally(events.map((event) => event.source));
  const keyFields = events.map((event) => findKeyFields(event, pinned, table).key);
  const top = varyingFields(keyFields);
  const listed = listedEvents(events, keyFields, new Set(top.map((field) => field.label)), group);
  return {
    digest: true,
    count: events.length,
    events: events as HeraldEvent[],
    group,
    group_fields: Object.entries(group).map(([field, value]) => ({
      field,
      label: labelOf(field, table),
      value,
    })),
    group_key: `herald-group-${createHash("sha256")
      .update(JSON.stringify(Object.entries(group)))
      .digest("hex")}`,
    first,
    last,
    span_s,
    headline: headline(events.length, types, sources, span_s),
    listed,
    unlisted: events.length - listed.length,
    top,
    types,
    sources,
  };
}

/**
 * The events with the earliest and latest times (ISO strings in UTC compare as times; by order
 * among equals) and the whole seconds between them.
 */
export function timeSpan(events: readonly HeraldEvent[]): {
  first: HeraldEvent;
  last: HeraldEvent;
  span_s: number;
} {
  let first = events[0] as HeraldEvent;
  let last = first;
  for (const event of events) {
    if (event.time < first.time) first = event;
    if (event.time >= last.time) last = event;
  }
  return {
    first,
    last,
    span_s: Math.max(0, Math.round((Date.parse(last.time) - Date.parse(first.time)) / 1000)),
  };
}

/** "37 auto_ban events from website-defender in 60 s"; "37 events of 2 types from 3 sources in 5 min". */
function headline(count: number, types: Tally, sources: Tally, spanS: number): string {
  const what =
    types.distinct === 1
      ? `${count} ${types.values[0]?.value} events`
      : `${count} events of ${types.distinct} types`;
  const from =
    sources.distinct === 1 ? `from ${sources.values[0]?.value}` : `from ${sources.distinct} sources`;
  return `${what} ${from} ${spanText(spanS)}`;
}

function spanText(seconds: number): string {
  if (seconds < 1) return "within a second";
  if (seconds < 120) return `in ${seconds} s`;
  if (seconds < 7200) return `in ${Math.round(seconds / 60)} min`;
  return `in ${Math.round(seconds / 3600)} h`;
}

/**
 * Counts values by the text shown of them, their first MAX_VALUE_CHARS characters: values that
 * look alike are counted as one. It also keeps the keys short: V8 hashes a string over 16,383
 * characters by its length alone, so that 10,000 long values of one length would make every
 * lookup compare them all. The Map keeps first-seen order, and the sort is stable.
 */
function tally(values: readonly unknown[]): Tally {
  const counts = new Map<string, number>();
  for (const value of values) {
    const text = shortened(valueText(value));
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1]).slice(0, MAX_TOP_VALUES);
  const shown = sorted.reduce((sum, [, count]) => sum + count, 0);
  const counted = sorted.map(([value, count]) => ({ value, count }));
  const others = values.length - shown;
  const texts = counted.map(({ value, count }) => `${value} ×${count}`);
  return {
    values: counted,
    distinct: counts.size,
    others,
    text: [...texts, ...(others > 0 ? [`${others} more`] : [])].join(", "),
  };
}

function shortened(text: string, max = MAX_VALUE_CHARS): string {
  // Cut by UTF-16 units, so that a huge value is never split into code points whole.
  return text.length <= max ? text : `${text.slice(0, max - 1).toWellFormed()}…`;
}

/** The key fields (by label) that have more than one value among the events, counted. */
function varyingFields(keyFields: readonly ShownField[][]): TopField[] {
  const byLabel = new Map<string, unknown[]>();
  for (const fields of keyFields) {
    for (const { label, value } of fields) {
      const values = byLabel.get(label);
      if (values) values.push(value);
      else byLabel.set(label, [value]);
    }
  }
  const top: TopField[] = [];
  for (const [label, values] of byLabel) {
    const counted = tally(values);
    if (counted.distinct > 1) top.push({ label, ...counted });
    if (top.length === MAX_TOP_FIELDS) break;
  }
  return top;
}

/**
 * The newest events, newest first, each with one key field to show beside its title: the first
 * that varies in the digest, else the first that is not one of the group's fields.
 */
function listedEvents(
  events: readonly HeraldEvent[],
  keyFields: readonly ShownField[][],
  varying: Set<string>,
  group: Record<string, unknown>,
): ListedEvent[] {
  const listed: ListedEvent[] = [];
  for (let index = events.length - 1; index >= 0 && listed.length < MAX_LISTED; index--) {
    const event = events[index] as HeraldEvent;
    const fields = keyFields[index] ?? [];
    const key_field =
      fields.find((field) => varying.has(field.label)) ??
      fields.find((field) => !Object.hasOwn(group, field.path));
    const key = key_field
      ? ` · ${key_field.label} ${shortened(valueText(key_field.value), MAX_LINE_VALUE_CHARS)}`
      : "";
    const line = `${shortened(event.title || event.type, MAX_LINE_TITLE_CHARS)}${key}`;
    listed.push({ ...event, event_type: event.type, key_field, line });
  }
  return listed;
}

/** A group path's label: the key field's ("Source IP") when it names one, else "Type" or the path inside data. */
function labelOf(path: string, table: KeyFieldTable): string {
  if (!path.startsWith("data.")) return path.charAt(0).toUpperCase() + path.slice(1);
  const name = path.slice("data.".length);
  return table.find((field) => field.names.includes(name))?.label ?? name;
}
