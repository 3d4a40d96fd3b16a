import { z } from "zod";

// The fields a responder needs first, by meaning, and the names producers give them. One table:
// the human formats (slack, teams, discord, pagerduty) show these fields first under their
// labels, and the SIEM formats (cef, leef, ecs, ocsf) map them to their standard keys through
// WELL_KNOWN_FIELDS in siem.ts, which is derived from it.

/** One meaning: its name (as HERALD_FIELD_ALIASES writes it), its label, the data fields that carry it. */
export interface KeyField {
  meaning: KeyFieldMeaning;
  label: string;
  /**
   * Names of data fields, most specific first: a top-level field ("remote_addr4"), or a path
   * whose dots reach into nested objects or name a dotted key ("source.ip": data.source.ip or
   * data["source.ip"]). The first one an event has, with a text, number or boolean, is shown.
   */
  names: readonly string[];
}

/** The built-in table, in the order the human formats show the fields. */
export const KEY_FIELDS = [
  {
    meaning: "source_ip",
    label: "Source IP",
    names: [
      "client_ip",
      "remote_ip",
      "remote_addr4",
      "src_ip",
      "source_ip",
      "remote_addr6",
      "remote_addr",
      "srcip",
      "src_addr",
      "attacker_ip",
      "source.ip",
      "client.ip",
    ],
  },
  {
    meaning: "source_port",
    label: "Source port",
    names: ["remote_port", "client_port", "src_port", "source_port", "srcport", "source.port", "client.port"],
  },
  {
    meaning: "destination_ip",
    label: "Destination IP",
    names: ["dst_ip", "destination_ip", "dest_ip", "dstip", "server_ip", "destination.ip", "server.ip"],
  },
  {
    meaning: "destination_port",
    label: "Destination port",
    names: [
      "dst_port",
      "destination_port",
      "dest_port",
      "dstport",
      "server_port",
      "destination.port",
      "server.port",
    ],
  },
  {
    meaning: "user",
    label: "User",
    names: ["account", "username", "user", "user_name", "login", "user.name"],
  },
  {
    meaning: "host",
    label: "Host",
    names: ["domain", "host", "hostname", "server_name", "destination.domain", "url.domain"],
  },
  {
    meaning: "url",
    label: "URL",
    names: ["url", "asset", "request_url", "uri", "request_uri", "url.full", "url.original"],
  },
  { meaning: "path", label: "Path", names: ["path", "request_path", "url.path"] },
  {
    meaning: "method",
    label: "Method",
    names: ["method", "http_method", "request_method", "http.request.method"],
  },
  {
    meaning: "attack_type",
    label: "Attack type",
    names: ["attack_type", "attack", "threat_type"],
  },
  {
    meaning: "rule",
    label: "Rule",
    names: ["rule", "rule_name", "rule_id", "signature", "signature_id", "rule.name", "rule.id"],
  },
  { meaning: "action", label: "Action", names: ["action", "block_status", "action_taken", "event.action"] },
  { meaning: "outcome", label: "Outcome", names: ["outcome", "event.outcome"] },
  { meaning: "reason", label: "Reason", names: ["reason", "event.reason"] },
  { meaning: "category", label: "Category", names: ["category"] },
  {
    meaning: "count",
    label: "Count",
    names: ["count", "attempts", "hits", "hit_count", "event_count"],
  },
] as const satisfies readonly { meaning: string; label: string; names: readonly string[] }[];

export type KeyFieldMeaning = (typeof KEY_FIELDS)[number]["meaning"];
/** A table of key fields: the built-in one, or it with names added from HERALD_FIELD_ALIASES. */
export type KeyFieldTable = readonly KeyField[];

export const KEY_FIELD_MEANINGS = KEY_FIELDS.map((field) => field.meaning) as KeyFieldMeaning[];

/** Names added to meanings: {"source_ip": ["my_src"]}, as HERALD_FIELD_ALIASES holds them. */
export type FieldAliases = Partial<Record<KeyFieldMeaning, string[]>>;

const aliasName = z
  .string()
  .trim()
  .min(1, "a field name must not be empty")
  .max(200, "a field name is at most 200 characters");

/** HERALD_FIELD_ALIASES: an object of known meanings, each with a list of field names. */
export const fieldAliasesSchema = z
  .record(z.string(), z.array(aliasName, { error: "must be a list of field names" }))
  .superRefine((aliases, ctx) => {
    for (const meaning of Object.keys(aliases)) {
      if ((KEY_FIELD_MEANINGS as string[]).includes(meaning)) continue;
      ctx.addIssue({
        code: "custom",
        path: [meaning],
        message: `"${meaning}" is not a key field meaning; the meanings are ${KEY_FIELD_MEANINGS.join(", ")}`,
      });
    }
  })
  .transform((aliases) => aliases as FieldAliases);

/**
 * The built-in table with `aliases` added: an operator's names come before the built-in ones of
 * their meaning, since they name the operator's own producers. Duplicates are dropped.
 */
export function keyFieldTable(aliases: FieldAliases = {}): KeyFieldTable {
  return KEY_FIELDS.map(({ meaning, label, names }) => ({
    meaning,
    label,
    names: [...new Set([...(aliases[meaning] ?? []), ...names])],
  }));
}

/** The names of one meaning in the built-in table. */
export function namesOf(meaning: KeyFieldMeaning): readonly string[] {
  return KEY_FIELDS.find((field) => field.meaning === meaning)?.names ?? [];
}

/**
 * The value at `path` inside `root` and the keys that lead to it: each dot may step into a
 * nested object (or array) or be part of a key ("source.ip" finds data.source.ip and
 * data["source.ip"]); a longer key is tried before a shorter one. Own properties only.
 */
export function valueAtPath(root: unknown, path: string): { value: unknown; keys: string[] } | undefined {
  if (!path.includes(".")) {
    const object = asObject(root) as Record<string, unknown>;
    return Object.hasOwn(object, path) ? { value: object[path], keys: [path] } : undefined;
  }
  return stepInto(root, path.split("."));
}

function stepInto(node: unknown, parts: string[]): { value: unknown; keys: string[] } | undefined {
  const object = asObject(node);
  for (let length = parts.length; length >= 1; length--) {
    const key = parts.slice(0, length).join(".");
    if (!Object.hasOwn(object, key)) continue;
    const value = (object as Record<string, unknown>)[key];
    if (length === parts.length) return { value, keys: [key] };
    const deeper = stepInto(value, parts.slice(length));
    if (deeper) return { value: deeper.value, keys: [key, ...deeper.keys] };
  }
  return undefined;
}

function asObject(node: unknown): object {
  return typeof node === "object" && node !== null ? node : {};
}
