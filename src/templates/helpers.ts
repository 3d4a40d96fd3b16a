import type { HelperDelegate, HelperOptions } from "handlebars";
import { flattenObject, truncateChars, valueText } from "../text";

/** Handlebars passes its options object as the last argument; these helpers take plain values. */
function args(list: unknown[]): unknown[] {
  return list.slice(0, -1);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Formats a date in UTC: iso, epoch (seconds), epochMillis, rfc3164, or a pattern of YYYY MM DD HH mm ss SSS. */
export function formatDate(value: unknown, style: string): string {
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime())) return "";
  switch (style) {
    case "iso":
      return date.toISOString();
    case "epoch":
      return String(Math.floor(date.getTime() / 1000));
    case "epochMillis":
      return String(date.getTime());
    case "rfc3164":
      return `${MONTHS[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, " ")} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
    default:
      return style.replace(/YYYY|MM|DD|HH|mm|ss|SSS/g, (token) => {
        switch (token) {
          case "YYYY":
            return String(date.getUTCFullYear());
          case "MM":
            return pad(date.getUTCMonth() + 1);
          case "DD":
            return pad(date.getUTCDate());
          case "HH":
            return pad(date.getUTCHours());
          case "mm":
            return pad(date.getUTCMinutes());
          case "ss":
            return pad(date.getUTCSeconds());
          default:
            return pad(date.getUTCMilliseconds(), 3);
        }
      });
  }
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
