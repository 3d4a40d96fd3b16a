import { isDeepStrictEqual } from "node:util";
import { isObject } from "../formats/format";
import type { WebhookRow } from "../store/webhooks";
import { FLOW_FIELD_NAMES } from "../webhooks/flow";
import { rowToInput, webhookInputSchema } from "../webhooks/schema";
import { envName, escapeReferences } from "./env-refs";
import { isSecretField } from "./secret-fields";

/** An environment variable an exported file refers to, and what it stands for. */
export interface ExportedVariable {
  name: string;
  what: string;
}

/** Hands out variable names, never the same one twice (`siem-1` and `siem_1` would meet). */
export type NameVariable = (wanted: string) => string;

const REQUIRED = new Set(["name", "url"]);

/** The order fields are written in: what it is and where it goes first, the tuning last. */
const FIELD_ORDER = [
  "name",
  "url",
  "format",
  "event_types",
  "events_policy",
  "min_severity",
  "secret",
  "options",
  "template",
  "method",
  "headers",
  "destination",
  "timeout_ms",
  "connect_timeout_ms",
  "retry_count",
  ...FLOW_FIELD_NAMES,
  "state",
];

function inFieldOrder(fields: Record<string, unknown>): Record<string, unknown> {
  const rank = (name: string) =>
    FIELD_ORDER.includes(name) ? FIELD_ORDER.indexOf(name) : FIELD_ORDER.length;
  return Object.fromEntries(Object.entries(fields).sort(([a], [b]) => rank(a) - rank(b)));
}

/**
 * The fields without the ones the schema's defaults give back the same (method POST, retry_count
 * 3, a null secret, a destination that is the URL's and format's default), so that an export
 * reads like a file written by hand. `same` says whether a candidate still parses to the webhook.
 */
function withoutDefaults(
  fields: Record<string, unknown>,
  same: (candidate: Record<string, unknown>) => boolean,
): Record<string, unknown> {
  let result = fields;
  for (const name of Object.keys(fields)) {
    if (REQUIRED.has(name)) continue;
    const { [name]: _dropped, ...candidate } = result;
    if (same(candidate)) result = candidate;
  }
  return result;
}

function minimalFields(row: WebhookRow): Record<string, unknown> {
  const fields: Record<string, unknown> = rowToInput(row);
  const reference = webhookInputSchema.safeParse(fields);
  // A webhook stored before a rule it breaks was made is exported whole, as it is stored.
  if (!reference.success) return fields;
  const parsesTo = (candidate: Record<string, unknown>) => {
    const parsed = webhookInputSchema.safeParse(candidate);
    return parsed.success && isDeepStrictEqual(parsed.data, reference.data);
  };
  const top = withoutDefaults(fields, parsesTo);
  if (!isObject(top.destination)) return top;
  const destination = withoutDefaults(top.destination, (candidate) =>
    parsesTo({ ...top, destination: candidate }),
  );
  return { ...top, destination };
}

/**
 * A URL that looks like it carries a credential: user info, a query (Teams' sig=), or a path
 * segment of 16 or more letters and digits mixed (Slack's and Discord's tokens, a UUID).
 */
export function urlHoldsCredential(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.username !== "" || parsed.search !== "") return true;
  return parsed.pathname
    .split("/")
    .some((segment) => segment.length >= 16 && /[0-9]/.test(segment) && /[A-Za-z]/.test(segment));
}

/**
 * A stored webhook as a config file entry: its secrets (and a URL that holds one) as `${…}`
 * placeholders named after the webhook, every other `${` escaped as `$${`.
 */
export function exportWebhook(
  row: WebhookRow,
  variable: NameVariable,
): { entry: Record<string, unknown>; variables: ExportedVariable[] } {
  const variables: ExportedVariable[] = [];
  const placeholder = (path: string[], what: string) => {
    const field = path[0] === "destination" || path[0] === "options" ? path.slice(1) : path;
    const name = variable(`HERALD_WEBHOOK_${envName(row.name)}_${envName(field.join("_"))}`);
    // JSON quoting: a name is the operator's text, and a line break in it would end the comment.
    variables.push({ name, what: `webhook ${JSON.stringify(row.name)}: ${what}` });
    return `\${${name}}`;
  };
  const written = (value: unknown, path: string[]): unknown => {
    if (typeof value === "string") {
      if (isSecretField(path, row.format)) return placeholder(path, path.join("."));
      if (path.length === 1 && path[0] === "url" && urlHoldsCredential(value)) {
        return placeholder(path, "url (its path or query looks like a credential)");
      }
      return escapeReferences(value);
    }
    if (Array.isArray(value)) return value.map((item) => written(item, path));
    if (isObject(value)) {
      return Object.fromEntries(
        Object.entries(value).map(([name, inner]) => [name, written(inner, [...path, name])]),
      );
    }
    return value;
  };
  return { entry: written(inFieldOrder(minimalFields(row)), []) as Record<string, unknown>, variables };
}
