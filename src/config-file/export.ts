import { Document, isScalar, visit } from "yaml";
import { ConfigError } from "../config";
import type { ApiKeyRow } from "../store/keys";
import type { WebhookRow } from "../store/webhooks";
import { envName, escapeReferences } from "./env-refs";
import { type ExportedVariable, exportWebhook } from "./export-webhook";

const byName = <Row extends { name: string; createdAt: Date }>(a: Row, b: Row) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.createdAt.getTime() - b.createdAt.getTime();

/** Webhooks are matched by name, so a file cannot hold two of one name: say which to rename. */
function refuseDuplicateNames(webhooks: WebhookRow[]): void {
  const seen = new Map<string, string>();
  for (const row of webhooks) {
    const other = seen.get(row.name);
    if (other !== undefined) {
      throw new ConfigError(
        `two webhooks are named "${row.name}" (${other}, ${row.id}): a config file matches webhooks by name, so rename one first (PUT /api/v1/webhooks/{id} {"name": …})`,
      );
    }
    seen.set(row.name, row.id);
  }
}

function header(variables: ExportedVariable[]): string {
  const width = Math.max(0, ...variables.map((variable) => variable.name.length)) + 2;
  return [
    " Herald configuration, written by `herald config export`.",
    " Apply it with `herald config apply --file <this file>`, or start with HERALD_CONFIG=<this file>.",
    ...(variables.length === 0
      ? []
      : [
          " Set these environment variables first (secrets are never exported):",
          ...variables.map((variable) => `   ${variable.name.padEnd(width)}${variable.what}`),
        ]),
    " Webhooks and keys this file does not list are left alone; add `prune: true` to delete them.",
  ].join("\n");
}

function escapedValues(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([name, value]) => [name, escapeReferences(value)]));
}

/**
 * The store's webhooks and API keys (and the catalog's added event types) as a config file that
 * `config apply` takes back: webhooks by name with every field that is not a default, secrets as
 * `${…}` placeholders listed at the top, keys by name and role with a placeholder (only a key's
 * hash is stored). Sorted by name, so that the same state always gives the same file.
 */
export function exportConfig(
  webhooks: WebhookRow[],
  keys: ApiKeyRow[],
  eventTypes: Record<string, string>,
): string {
  refuseDuplicateNames(webhooks);
  const used = new Set<string>();
  const variable = (wanted: string) => {
    let name = wanted;
    for (let n = 2; used.has(name); n++) name = `${wanted}_${n}`;
    used.add(name);
    return name;
  };
  const variables: ExportedVariable[] = [];
  const webhookEntries = [...webhooks].sort(byName).map((row) => {
    const exported = exportWebhook(row, variable);
    variables.push(...exported.variables);
    return exported.entry;
  });
  const keyNames = new Set<string>();
  const keyEntries = [...keys].sort(byName).map((row) => {
    // Keys made by hand may share a name; in a file each needs its own.
    let name = row.name;
    for (let n = 2; keyNames.has(name); n++) name = `${row.name} (${n})`;
    keyNames.add(name);
    const key = variable(`HERALD_KEY_${envName(name)}`);
    variables.push({
      name: key,
      what: `API key ${JSON.stringify(name)} (${row.role}): the key you have, or a new one`,
    });
    return { name: escapeReferences(name), role: row.role, key: `\${${key}}` };
  });
  const doc = new Document({
    ...(Object.keys(eventTypes).length > 0 ? { event_types: escapedValues(eventTypes) } : {}),
    webhooks: webhookEntries,
    api_keys: keyEntries,
  });
  doc.commentBefore = header(variables);
  // Lists of plain values (event_types) on one line, as people write them.
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((item) => isScalar(item))) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, blockQuote: "literal", flowCollectionPadding: false });
}
