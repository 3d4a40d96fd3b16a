import type { JsonSchema } from "../types";
import { classify, labelOf } from "./classify";
import { isObject } from "./json";

/** A value as text: what a read-only page shows instead of a control. */
function textOf(value: unknown, fallback: unknown): string {
  if (value === undefined || value === null) {
    return fallback === undefined || fallback === null ? "—" : `default (${textOf(fallback, undefined)})`;
  }
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value.join(", ") || "—";
  if (isObject(value) && Object.keys(value).length === 0) return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * An object's properties as a definition list, by the same schemas as the form, for a key that
 * may read but not change. Write-only values are not shown at all: not even a placeholder.
 */
export function ReadOnlyFields({
  properties,
  value,
  path,
  secrets,
}: {
  properties: [string, JsonSchema][];
  value: unknown;
  path: string[];
  secrets: ReadonlySet<string>;
}) {
  const object = isObject(value) ? value : {};
  // Constants are shown too: a credential's type says which kind it is.
  const shown = properties.filter(([name]) => !secrets.has([...path, name].join(".")));
  if (shown.length === 0) return null;
  return (
    <dl class="read-only">
      {shown.map(([name, schema]) => {
        const field = classify(schema);
        const { shape } = field;
        const item = object[name];
        let nested: [string, JsonSchema][] | undefined;
        if (shape.kind === "object") nested = shape.properties;
        if (shape.kind === "variants" && isObject(item)) {
          nested = Object.entries(shape.variants.get(String(item[shape.tag]))?.properties ?? {});
        }
        return (
          <div key={name}>
            <dt>{labelOf(name, field.schema)}</dt>
            <dd>
              {nested && isObject(item) ? (
                <ReadOnlyFields properties={nested} value={item} path={[...path, name]} secrets={secrets} />
              ) : shape.kind === "map" && isObject(item) && Object.keys(item).length > 0 ? (
                <ul class="plain">
                  {Object.entries(item).map(([key, text]) => (
                    <li key={key}>
                      {key}: {String(text)}
                    </li>
                  ))}
                </ul>
              ) : (
                textOf(item, field.schema.default)
              )}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}
