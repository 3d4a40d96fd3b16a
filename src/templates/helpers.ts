import type { HelperDelegate, HelperOptions } from "handlebars";
import { flattenObject, formatDate, truncateChars, valueText } from "../text";

/** Handlebars passes its options object as the last argument; these helpers take plain values. */
function args(list: unknown[]): unknown[] {
  return list.slice(0, -1);
}

export const genericHelpers: Record<string, HelperDelegate> = {
  /** The value as JSON: `"text"`, `42`, `{"a":1}`; missing values become null. */
  json: (...list: unknown[]) => JSON.stringify(args(list)[0] ?? null),
  truncate: (value: unknown, max: unknown) =>
    typeof max === "number" ? truncateChars(valueText(value), max) : valueText(value),
  upper: (value: unknown) => valueText(value).toUpperCase(),
  lower: (value: unknown) => valueText(value).toLowerCase(),
  /** The first of its arguments that is neither missing nor empty. */
  default: (...list: unknown[]) => args(list).find((v) => v !== undefined && v !== null && v !== "") ?? "",
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
