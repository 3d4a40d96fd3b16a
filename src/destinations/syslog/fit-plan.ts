import { truncateChars } from "../../text";

// How much of each value a message keeps when it must fit a byte budget: the one planner behind
// every structural fit (RFC 5424 SD-PARAMs, CEF extension values, LEEF attributes; JSON has its
// own walk but the same water-filling). Pure arithmetic over byte counts: nothing is serialised
// here, so a message of 10,000 values is planned in one pass and a few bisections.

/** What a cut value ends with. */
export const ELLIPSIS = "…";
const ELLIPSIS_BYTES = 3;

/** Values are cut down to this before whole values are dropped. */
export const VALUE_FLOOR_BYTES = 64;
/** The event's own id, type, severity and source are cut only when nothing else is left, to this. */
export const PROTECTED_FLOOR_BYTES = 8;

/**
 * One value of a message: `size` bytes of (escaped) value, `overhead` bytes around it that go with
 * it when it is dropped (its key, "=", quotes, separator). Protected values are the event's id,
 * type, severity and source; droppable values may go whole; fixed ones may only be shortened.
 */
export interface PlanItem {
  size: number;
  overhead: number;
  role: "protected" | "droppable" | "fixed";
}

/** For each item: the most bytes its value keeps (Infinity: all of it), or dropped. */
export interface Plan {
  caps: number[];
  dropped: boolean[];
  fits: boolean;
}

/**
 * The largest cap (at least `floor`) such that the values, each cut to the cap, take at most
 * `budget` bytes: the longest values are shortened first, and the short ones not at all.
 * Infinity when all fit whole, undefined when even the floor does not fit.
 */
export function waterFill(sizes: readonly number[], budget: number, floor: number): number | undefined {
  const total = (cap: number) => {
    let sum = 0;
    for (const size of sizes) sum += size < cap ? size : cap;
    return sum;
  };
  let high = 0;
  for (const size of sizes) if (size > high) high = size;
  if (total(high) <= budget) return Number.POSITIVE_INFINITY;
  let low = floor;
  if (total(low) > budget) return undefined;
  // total(low) fits, total(high) does not.
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (total(middle) <= budget) low = middle;
    else high = middle;
  }
  return low;
}

export interface PlanOptions {
  /** Also cut the protected values when nothing else is left to cut (the last stage). */
  shortenProtected: boolean;
}

/**
 * Which values to shorten and drop so that `items` take at most `target` bytes, in this order:
 * 1. shorten the longest unprotected values, down to VALUE_FLOOR_BYTES;
 * 2. drop droppable values, largest at the floor first (of equals, the longer, then the later),
 *    then lengthen the values left as far as the room allows;
 * 3. shorten what is left and unprotected below the floor, down to nothing;
 * 4. (shortenProtected) shorten the protected values, longest first, down to PROTECTED_FLOOR_BYTES.
 */
export function planFit(items: readonly PlanItem[], target: number, options: PlanOptions): Plan {
  const count = items.length;
  const caps: number[] = new Array(count).fill(Number.POSITIVE_INFINITY);
  const dropped: boolean[] = new Array(count).fill(false);
  const isProtected = items.map((item) => item.role === "protected");
  const done = (fits: boolean): Plan => ({ caps, dropped, fits });

  /** Caps the kept values that are (or are not) protected by water-filling the room the others leave. */
  const fill = (protectedOnes: boolean, floor: number): boolean => {
    const sizes: number[] = [];
    let rest = 0;
    for (let index = 0; index < count; index++) {
      if (dropped[index]) continue;
      const item = items[index] as PlanItem;
      rest += item.overhead;
      if (isProtected[index] === protectedOnes) sizes.push(item.size);
      else rest += Math.min(item.size, caps[index] as number);
    }
    const cap = waterFill(sizes, target - rest, floor);
    if (cap === undefined) return false;
    for (let index = 0; index < count; index++) {
      if (!dropped[index] && isProtected[index] === protectedOnes) caps[index] = cap;
    }
    return true;
  };

  // 1. Shorten.
  if (fill(false, VALUE_FLOOR_BYTES)) return done(true);

  // 2. Drop, largest first, counting every unprotected value at the floor.
  const atFloor: number[] = new Array(count);
  const droppable: number[] = [];
  let total = 0;
  for (let index = 0; index < count; index++) {
    const item = items[index] as PlanItem;
    const size = item.overhead + (isProtected[index] ? item.size : Math.min(item.size, VALUE_FLOOR_BYTES));
    atFloor[index] = size;
    total += size;
    if (item.role === "droppable") droppable.push(index);
  }
  // Largest at the floor first; of equals, the one that was longer, then the later one.
  const sizeOf = (index: number) => (items[index] as PlanItem).size;
  droppable.sort((a, b) => (atFloor[b] as number) - (atFloor[a] as number) || sizeOf(b) - sizeOf(a) || b - a);
  for (const index of droppable) {
    if (total <= target) break;
    dropped[index] = true;
    total -= atFloor[index] as number;
  }
  if (total <= target && fill(false, VALUE_FLOOR_BYTES)) return done(true);

  // 3. Nothing droppable is left: what may be shortened, down to nothing.
  if (fill(false, 0)) return done(true);
  for (let index = 0; index < count; index++) if (!isProtected[index]) caps[index] = 0;
  if (!options.shortenProtected) return done(false);

  // 4. The event's own fields, last of all; at their floor even when that is still too long.
  if (fill(true, PROTECTED_FLOOR_BYTES)) return done(true);
  for (let index = 0; index < count; index++) if (isProtected[index]) caps[index] = PROTECTED_FLOOR_BYTES;
  return done(false);
}

/**
 * `text` cut to at most `maxBytes` UTF-8 bytes with `marker` at the end: never inside a character
 * (nor a surrogate pair), and, when `escapes`, never between an escaping backslash and what it
 * escapes. Unchanged when it fits; "" when not even the marker does. Costs O(maxBytes), not O(text).
 */
export function cutText(text: string, maxBytes: number, escapes: boolean, marker = ELLIPSIS): string {
  if (text.length <= maxBytes && Buffer.byteLength(text) <= maxBytes) return text;
  const markerBytes = marker === ELLIPSIS ? ELLIPSIS_BYTES : Buffer.byteLength(marker);
  const room = maxBytes - markerBytes;
  if (room < 0) return "";
  // A prefix of `room` bytes has at most `room` UTF-16 code units.
  let head = text.slice(0, room);
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  const bytes = Buffer.from(head, "utf8");
  if (bytes.length > room) {
    let end = room;
    // Step back over continuation bytes (10xxxxxx) to the start of a character.
    while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
    head = bytes.subarray(0, end).toString("utf8");
  }
  if (escapes) {
    let backslashes = 0;
    while (head.charCodeAt(head.length - 1 - backslashes) === 0x5c) backslashes++;
    // An odd run ends with a backslash whose escaped character was cut off.
    if (backslashes % 2 === 1) head = head.slice(0, -1);
  }
  return head + marker;
}

const LISTED_NAMES = 8;
const NAME_CHARS = 40;

/** Names for a warning: at most a few, each cut short and with control characters escaped, then how many more. */
export function nameList(names: readonly string[]): string {
  const printable = (name: string) => JSON.stringify(truncateChars(name, NAME_CHARS)).slice(1, -1);
  const listed = names.slice(0, LISTED_NAMES).map(printable).join(", ");
  return names.length > LISTED_NAMES ? `${listed} and ${names.length - LISTED_NAMES} more` : listed;
}

/** What a fit changed, by name, for the warning. */
export interface FitReport {
  /** "SD-PARAM", "CEF", "LEEF", "JSON", "MSG": what the names name. */
  what: string;
  cut: string[];
  dropped: string[];
}

export function describeReport(report: FitReport): string[] {
  const parts: string[] = [];
  if (report.cut.length > 0) parts.push(`${report.what} values cut: ${nameList(report.cut)}`);
  if (report.dropped.length > 0) parts.push(`${report.what} dropped: ${nameList(report.dropped)}`);
  return parts;
}

/** A named value of a message, as planFit sees it. */
export interface NamedValue extends PlanItem {
  name: string;
  value: string;
}

/** A value with its size in bytes, for fitValues. */
export function namedValue(
  name: string,
  value: string,
  overhead: number,
  role: PlanItem["role"],
): NamedValue {
  return { name, value, size: Buffer.byteLength(value), overhead, role };
}

/**
 * `values` planned into `target` bytes and cut with `cut` (which must keep a value within the
 * bytes it is given): each value as it is sent, or null when dropped, and what changed by name.
 */
export function fitValues(
  values: readonly NamedValue[],
  target: number,
  cut: (value: string, maxBytes: number) => string,
  what: string,
): { values: (string | null)[]; report: FitReport } {
  const plan = planFit(values, target, { shortenProtected: true });
  const report: FitReport = { what, cut: [], dropped: [] };
  const fitted: (string | null)[] = new Array(values.length);
  for (let index = 0; index < values.length; index++) {
    const item = values[index] as NamedValue;
    const cap = plan.caps[index] as number;
    if (plan.dropped[index]) {
      report.dropped.push(item.name);
      fitted[index] = null;
    } else if (item.size <= cap) {
      fitted[index] = item.value;
    } else {
      report.cut.push(item.name);
      fitted[index] = cut(item.value, cap);
    }
  }
  return { values: fitted, report };
}
