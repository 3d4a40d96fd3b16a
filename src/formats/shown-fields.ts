import { z } from "zod";
import type { HeraldEvent } from "../events/event";
import { flattenObject } from "../text";
import { KEY_FIELDS, type KeyFieldTable, valueAtPath } from "./key-fields";

// Which fields of an event the human formats (slack, teams, discord, pagerduty) show first: the
// webhook's pinned `fields`, then the key fields of the table, then the rest of the data.

/** A field as a human format shows it: its label, its value, and where in the event it is. */
export interface ShownField {
  label: string;
  value: unknown;
  /** "data.remote_addr4", "subject": the path a `fields` option would name. */
  path: string;
}

/** The event's own fields a pinned path may name besides data.<path>. */
const EVENT_FIELDS = ["id", "type", "source", "time", "severity", "title", "subject"] as const;
const MAX_PINNED = 20;

/** The `fields` option: paths into the event, shown first and in this order. */
export const pinnedFieldsSchema = z
  .array(
    z
      .string()
      .max(200, "a path is at most 200 characters")
      .refine(
        (path) => /^data\.\S/.test(path) || (EVENT_FIELDS as readonly string[]).includes(path),
        `must be a path into the event: data.<field>[.<field>…] or one of ${EVENT_FIELDS.join(", ")}`,
      ),
  )
  .max(MAX_PINNED, `at most ${MAX_PINNED} fields may be pinned`)
  .optional();

/** The fields to show first, and the keys inside data that they came from (to leave out of the rest). */
export interface KeyFieldsFound {
  key: ShownField[];
  used: string[][];
}

/**
 * The pinned fields that the event has, in their order, then the first field of every meaning of
 * `table` that the event has and no pinned field showed, in the table's order. A pinned path that
 * is a name of the table is labelled with its meaning ("Source IP"), any other by its path.
 */
export function findKeyFields(
  event: HeraldEvent,
  pinned: readonly string[] = [],
  table: KeyFieldTable = KEY_FIELDS,
): KeyFieldsFound {
  const key: ShownField[] = [];
  const used: string[][] = [];
  const covered = new Set<string>();
  for (const path of new Set(pinned)) {
    const inData = path.startsWith("data.") ? path.slice("data.".length) : undefined;
    const found = inData === undefined ? eventField(event, path) : valueAtPath(event.data, inData);
    // null and missing alike: nothing to show first.
    if (found === undefined || found.value == null || isUsed(found.keys, used)) continue;
    const meaning = inData === undefined ? undefined : table.find((field) => field.names.includes(inData));
    if (meaning) covered.add(meaning.meaning);
    key.push({ label: meaning?.label ?? inData ?? path, value: found.value, path });
    if (inData !== undefined) used.push(found.keys);
  }
  for (const { meaning, label, names } of table) {
    if (covered.has(meaning)) continue;
    for (const name of names) {
      const found = valueAtPath(event.data, name);
      if (found === undefined || !isShowable(found.value) || isUsed(found.keys, used)) continue;
      key.push({ label, value: found.value, path: `data.${found.keys.join(".")}` });
      used.push(found.keys);
      break;
    }
  }
  return { key, used };
}

function eventField(event: HeraldEvent, path: string): { value: unknown; keys: string[] } | undefined {
  return Object.hasOwn(event, path) ? { value: event[path as keyof HeraldEvent], keys: [] } : undefined;
}

/** A value worth showing as a key field: a text that is not blank, a number or a boolean. */
function isShowable(value: unknown): boolean {
  if (typeof value === "string") return value.trim() !== "";
  return typeof value === "number" || typeof value === "boolean";
}

/** Whether the field at `keys` is one already shown, or inside one (a pinned object). */
function isUsed(keys: string[], used: string[][]): boolean {
  if (keys.length === 0) return false;
  const path = keys.join(".");
  return used.some((other) => {
    const shown = other.join(".");
    return path === shown || path.startsWith(`${shown}.`);
  });
}

/** The data fields not shown as key fields, flattened, labelled by their paths, in the producer's order. */
export function otherFields(data: Record<string, unknown>, used: string[][]): ShownField[] {
  const shown = used.map((keys) => keys.join("."));
  const fields: ShownField[] = [];
  for (const [path, value] of Object.entries(flattenObject(data))) {
    if (shown.some((other) => path === other || path.startsWith(`${other}.`))) continue;
    fields.push({ label: path, value, path: `data.${path}` });
  }
  return fields;
}

/**
 * The data with the entries that hold the pinned and key fields first (in the order they are
 * shown), then the rest in the producer's order: the same keys and values, so that whatever
 * reads the fields by name (PagerDuty's event rules) still finds them.
 */
export function keyFieldsFirst(data: Record<string, unknown>, used: string[][]): Record<string, unknown> {
  const first = new Set(used.map((keys) => keys[0] as string).filter((key) => Object.hasOwn(data, key)));
  if (first.size === 0) return data;
  const entries: [string, unknown][] = [...first].map((key) => [key, data[key]]);
  for (const entry of Object.entries(data)) if (!first.has(entry[0])) entries.push(entry);
  // fromEntries defines each key as an own property, "__proto__" included.
  return Object.fromEntries(entries);
}
