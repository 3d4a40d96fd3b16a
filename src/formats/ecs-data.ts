import { truncateChars } from "../text";
import type { JsonObject } from "./format";
import { excerpt } from "./siem";

/**
 * Elasticsearch refuses a document nested deeper than index.mapping.depth.limit (default 20,
 * counted from the root). herald.data's own fields sit at depth 3, so data may nest 18 levels.
 */
const DATA_DEPTH_MAX = 18;

/** What elasticsearchSafe changed: renamed field names ("old" → "new") and paths sent as text. */
interface SafetyFixes {
  renamed: string[];
  flattened: Set<string>;
}

/** Event data as Elasticsearch indexes it without refusing the document, with warnings for the changes. */
export function safeData(data: JsonObject, warnings: string[]): unknown {
  const fixes: SafetyFixes = { renamed: [], flattened: new Set() };
  const safe = elasticsearchSafe(data, 1, "herald.data", fixes);
  // A few examples, not one warning per field: hostile data may have thousands.
  const examples = (list: string[]) => list.slice(0, 3).join(", ") + (list.length > 3 ? ", …" : "");
  if (fixes.renamed.length > 0) {
    warnings.push(
      `herald.data: ${fixes.renamed.length} field names Elasticsearch cannot map were renamed: ${examples(fixes.renamed)}`,
    );
  }
  if (fixes.flattened.size > 0) {
    warnings.push(
      `herald.data: values nested deeper than ${DATA_DEPTH_MAX} levels were sent as JSON text: ${examples([...fixes.flattened])}`,
    );
  }
  return safe;
}

/**
 * `value` with the field names Elasticsearch cannot map ("", " ", ".a", "a..b") renamed, and the
 * objects and arrays deeper than DATA_DEPTH_MAX replaced by their JSON text.
 */
function elasticsearchSafe(value: unknown, depth: number, path: string, fixes: SafetyFixes): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (depth > DATA_DEPTH_MAX) {
    fixes.flattened.add(truncateChars(path, 120));
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return value.map((item) => elasticsearchSafe(item, depth + 1, path, fixes));
  // No prototype: a "__proto__" field is then a field like any other, not a prototype to set.
  const safe: JsonObject = Object.create(null);
  for (const [name, child] of Object.entries(value)) {
    let field = fieldName(name);
    // A renamed field must not take the place of another ("" and " " both become "_").
    while (field !== name && (Object.hasOwn(safe, field) || Object.hasOwn(value, field))) field += "_";
    if (field !== name) fixes.renamed.push(`${excerpt(name)} → ${excerpt(field)}`);
    safe[field] = elasticsearchSafe(child, depth + 1, `${path}.${field}`, fixes);
  }
  return safe;
}

/** A field name Elasticsearch maps: every dot-separated part non-blank, else dots become _. */
function fieldName(name: string): string {
  if (name.split(".").every((part) => part.trim() !== "")) return name;
  const flat = name.replaceAll(".", "_");
  return flat.trim() === "" ? "_" : flat;
}
