import { createHash } from "node:crypto";
import { z } from "zod";
import type { HeraldEvent } from "../events/event";
import { KEYABLE_EVENT_FIELDS, valueAt } from "./dedup";

const GROUP_PATH = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** A field a group may be keyed by: type, source, severity, subject, title, or data.<path>. */
const groupPathSchema = z
  .string()
  .max(200)
  .refine(
    (path) =>
      GROUP_PATH.test(path) &&
      (path.startsWith("data.") || (KEYABLE_EVENT_FIELDS as readonly string[]).includes(path)),
    `must be one of ${KEYABLE_EVENT_FIELDS.join(", ")} or data.<path>`,
  );

/**
 * Grouping into digests, as Alertmanager does: events of one group (the same values at `by`)
 * become one message. A new group's first event waits `wait_s`; once sent, the group's later
 * events go every `interval_s`; a group that got nothing for `interval_s` after a message starts anew.
 */
export const groupSchema = z
  .strictObject({
    by: z.array(groupPathSchema).max(8).default([]).meta({
      title: "Group by",
      description: "The fields whose values make a group; [] puts every event of the webhook in one group",
    }),
    wait_s: z
      .number()
      .int()
      .min(0)
      .max(3600)
      .meta({
        title: "Wait (s)",
        description: "How long a new group's first event waits for others",
      })
      .default(30),
    interval_s: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .meta({
        title: "Interval (s)",
        description:
          "How often a group's later events go once it was sent; a group quiet this long starts anew",
      })
      .default(300),
    max_events: z.number().int().min(2).max(10_000).default(1000).meta({
      title: "Max events per digest",
      description: "The most events one digest carries; more due at once go as further digests",
    }),
  })
  .nullable()
  .meta({
    title: "Grouping",
    description: "Events of one group (the same values at Group by) go as one digest",
  })
  .default(null);

export type GroupSettings = NonNullable<z.output<typeof groupSchema>>;

/** A stored group key longer than this is kept as its SHA-256: an index entry must stay small. */
const MAX_STORED_KEY_CHARS = 512;

/** The event's values at the group's fields, by path (undefined: the event has none). */
export function groupValues(event: HeraldEvent, by: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(by.map((path) => [path, valueAt(event, path.split("."))]));
}

/** The key that says which group an event is in: the JSON of its values at `by`. */
export function groupKey(event: HeraldEvent, by: readonly string[]): string {
  const key = JSON.stringify(by.map((path) => valueAt(event, path.split(".")) ?? null));
  return key.length <= MAX_STORED_KEY_CHARS
    ? key
    : `sha256:${createHash("sha256").update(key).digest("hex")}`;
}

/** A stored group key's values by path again; null for a key kept hashed. */
export function groupValuesOfKey(key: string, by: readonly string[]): Record<string, unknown> | null {
  if (key.startsWith("sha256:")) return null;
  const values = JSON.parse(key) as unknown[];
  return Object.fromEntries(by.map((path, index) => [path, values[index] ?? null]));
}
