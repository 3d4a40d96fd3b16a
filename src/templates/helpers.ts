import type { HelperDelegate, HelperOptions } from "handlebars";
import { flattenObject, formatDate, truncateChars, valueText } from "../text";

// Handlebars passes its options object as the last argument; these helpers take plain values.

/**
 * What a helper promises about its output, for templates that produce JSON (json-proof.ts): one
 * whole JSON value, or the inside of a JSON string, in either case exactly as JSON.stringify
 * writes it, whatever its arguments. A JSON template's insertions through such helpers need no
 * check at render time; tests hold each to it with hostile values (test/templates/).
 */
export type JsonOutput = "value" | "string content";
const JSON_OUTPUT = Symbol("JSON output");

export function jsonHelper<Helper extends HelperDelegate>(output: JsonOutput, helper: Helper): Helper {
  return Object.assign(helper, { [JSON_OUTPUT]: output });
}

export function jsonOutputOf(helper: unknown): JsonOutput | undefined {
  return (helper as { [JSON_OUTPUT]?: JsonOutput } | undefined)?.[JSON_OUTPUT];
}

/** What JSON.stringify escapes in a string (surrogates: a lone one; pairs take the slow way too). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const JSON_ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify(text), without its cost for the many texts that need no escape. */
export function jsonString(text: string): string {
  return JSON_ESCAPED.test(text) ? JSON.stringify(text) : `"${text}"`;
}

export const genericHelpers: Record<string, HelperDelegate> = {
  /**
   * The value as JSON: `"text"`, `42`, `{"a":1}`; missing values become null, and so would a value
   * JSON cannot write (a function: templates never see one), so the output is always JSON.
   */
  json: jsonHelper("value", (...list: unknown[]) => {
    const value = list.length > 1 ? list[0] : undefined;
    return typeof value === "string" ? jsonString(value) : (JSON.stringify(value ?? null) ?? "null");
  }),
  truncate: (value: unknown, max: unknown) =>
    typeof max === "number" ? truncateChars(valueText(value), max) : valueText(value),
  upper: (value: unknown) => valueText(value).toUpperCase(),
  lower: (value: unknown) => valueText(value).toLowerCase(),
  /** The first of its arguments that is neither missing nor empty. */
  default: (...list: unknown[]) => {
    for (let i = 0; i < list.length - 1; i++) {
      const value = list[i];
      if (value !== undefined && value !== null && value !== "") return value;
    }
    return "";
  },
  eq: (a: unknown, b: unknown) => a === b,
  ne: (a: unknown, b: unknown) => a !== b,
  gt: (a: unknown, b: unknown) => Number(a) > Number(b),
  lt: (a: unknown, b: unknown) => Number(a) < Number(b),
  join: (list: unknown, separator: unknown, _options?: HelperOptions) =>
    Array.isArray(list)
      ? list.map(valueText).join(typeof separator === "string" ? separator : ", ")
      : valueText(list),
  date: (value: unknown, style: unknown) => formatDate(value, typeof style === "string" ? style : "iso"),
  flatten: (value: unknown) => flattenObject(value),
};
