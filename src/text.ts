/** Small text utilities shared by formats and transports. */

const ELLIPSIS = "…";

/** A text's length in characters (code points), as Slack, Discord and PagerDuty count them. */
export function charCount(text: string): number {
  return Array.from(text).length;
}

/** Cuts `text` to at most `max` characters (code points), ending with "…" when it was cut. */
export function truncateChars(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return chars.slice(0, Math.max(0, max - 1)).join("") + ELLIPSIS;
}

/** Cuts a string so its UTF-8 encoding fits in `maxBytes`, never inside a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to the start of a character.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}

/** Nested objects and arrays to one level of dotted keys: {a:{b:1},c:[2]} → {"a.b":1,"c.0":2}. */
export function flattenObject(
  value: unknown,
  prefix = "",
  into: Record<string, unknown> = {},
): Record<string, unknown> {
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value);
    if (entries.length === 0 && prefix) into[prefix] = Array.isArray(value) ? "[]" : "{}";
    for (const [key, child] of entries) flattenObject(child, prefix ? `${prefix}.${key}` : key, into);
  } else if (prefix) {
    into[prefix] = value;
  }
  return into;
}

/** A value as text for a text-based format: strings as they are, everything else as JSON. */
export function valueText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/**
 * A function that replaces every occurrence of each key of `replacements` (single characters)
 * with its value, in one pass: the building block of the formats' escaping helpers.
 */
export function characterReplacer(replacements: Record<string, string>): (text: string) => string {
  // \uXXXX in the class, so that \ ] ^ - and friends need no special care.
  const unicodeEscape = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
  const pattern = new RegExp(`[${Object.keys(replacements).map(unicodeEscape).join("")}]`, "g");
  return (text) => text.replace(pattern, (char) => replacements[char] ?? char);
}

/** Text as PostgreSQL can store it: no U+0000, no lone surrogates (both become U+FFFD). */
export function storableText(text: string): string {
  return text.replaceAll("\u0000", "\uFFFD").toWellFormed();
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
      return formatPattern(date, style);
  }
}

/** A pattern's tokens: the text between them stays as it is. */
const PATTERN_TOKENS = /(YYYY|MM|DD|HH|mm|ss|SSS)/;
const TOKEN_TEXT: Record<string, (date: Date) => string> = {
  YYYY: (date) => String(date.getUTCFullYear()),
  MM: (date) => pad(date.getUTCMonth() + 1),
  DD: (date) => pad(date.getUTCDate()),
  HH: (date) => pad(date.getUTCHours()),
  mm: (date) => pad(date.getUTCMinutes()),
  ss: (date) => pad(date.getUTCSeconds()),
  SSS: (date) => pad(date.getUTCMilliseconds(), 3),
};
type PatternPart = string | ((date: Date) => string);
/**
 * Patterns split into text and tokens once: templates format a date on every render with one of
 * a few patterns. At most MAX_PATTERNS are kept; others are split each time.
 */
const splitPatterns = new Map<string, PatternPart[]>();
const MAX_PATTERNS = 100;

function formatPattern(date: Date, pattern: string): string {
  let parts = splitPatterns.get(pattern);
  if (!parts) {
    parts = pattern
      .split(PATTERN_TOKENS)
      .map((part, index) => (index % 2 ? (TOKEN_TEXT[part] as PatternPart) : part));
    if (splitPatterns.size < MAX_PATTERNS) splitPatterns.set(pattern, parts);
  }
  let formatted = "";
  for (const part of parts) formatted += typeof part === "string" ? part : part(date);
  return formatted;
}

/** The largest count from 0 to `total` that fits, found by bisection; undefined when none does. */
export function mostThatFit(total: number, fits: (count: number) => boolean): number | undefined {
  if (fits(total)) return total;
  if (!fits(0)) return undefined;
  let low = 0; // fits
  let high = total; // does not fit
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (fits(middle)) low = middle;
    else high = middle;
  }
  return low;
}
