// JSON fitted to a byte budget and still JSON: the longest string values are shortened first,
// then the largest members of nested objects and arrays (data and the like) dropped whole, then
// what is left shortened further; the top level's id, type, event_type, severity and source go
// last of all. Never an unterminated object: the result is always serialised whole.
import { ELLIPSIS, type FitReport, PROTECTED_FLOOR_BYTES, VALUE_FLOOR_BYTES, waterFill } from "./fit-plan";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Container = Json[] | { [key: string]: Json };

/** Top-level members that carry the event's identity. */
export const PROTECTED_JSON_KEYS = new Set(["id", "type", "event_type", "severity", "source"]);

/** One member of an object or element of an array, below the top level: what may be dropped. */
interface Member {
  container: Container;
  key: string;
  /** The path of its container; null for the top level. */
  prefix: string | null;
  /** Its bytes with every unprotected string at the floor: key, colon and value. */
  atFloor: number;
  /** The member it sits in, or -1. */
  parent: number;
}

const pathOf = (prefix: string | null, key: string) => (prefix === null ? key : `${prefix}.${key}`);

interface Measure {
  /** Every byte but the strings' contents. */
  base: number;
  /**
   * The unprotected strings, and their encoded bytes where counted: a string of VALUE_FLOOR_BYTES
   * code units or more takes at least as many bytes, so it is counted only when the plan needs it.
   */
  unprotected: string[];
  unprotectedSizes: (number | undefined)[];
  /** The encoded bytes of each protected string. */
  protectedSizes: number[];
  members: Member[];
  /** How many members each container has. */
  entries: Map<Container, number>;
  atFloorTotal: number;
}

/** Printable ASCII but a quote and a backslash: a string JSON writes as it is. */
const PLAIN = /^[ !#-[\]-~]*$/;

/** What JSON.stringify escapes in a string: a quote, a backslash, a control character. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const ESCAPED = /["\\\u0000-\u001f]/g;

/** Bytes of a string's JSON encoding, without its quotes; counted, not serialised, in the common case. */
function encodedBytes(text: string): number {
  if (PLAIN.test(text)) return text.length;
  // A lone surrogate is written as \uXXXX: leave that rare case to JSON.stringify.
  if (!text.isWellFormed()) return Buffer.byteLength(JSON.stringify(text)) - 2;
  let bytes = Buffer.byteLength(text);
  ESCAPED.lastIndex = 0;
  for (let match = ESCAPED.exec(text); match; match = ESCAPED.exec(text)) {
    const code = match[0].charCodeAt(0);
    // \" \\ \b \t \n \f \r take one byte more; other control characters are \u00XX.
    bytes += code === 0x22 || code === 0x5c || (code >= 8 && code <= 13 && code !== 11) ? 1 : 5;
  }
  return bytes;
}

const isContainer = (value: Json): value is Container => typeof value === "object" && value !== null;

/** Calls `visit` with every member of `container` that `skip` does not hold, in order. */
function eachMember(
  container: Container,
  skip: Set<string> | undefined,
  visit: (key: string, child: Json) => void,
) {
  if (Array.isArray(container)) {
    for (let index = 0; index < container.length; index++) {
      const key = String(index);
      if (!skip?.has(key)) visit(key, container[index] as Json);
    }
    return;
  }
  // for…in, not Object.entries: no array of 10,000 pairs. JSON.parse objects inherit nothing enumerable.
  for (const key in container) {
    if (!skip?.has(key)) visit(key, container[key] as Json);
  }
}

/** Skips what `dropped` holds; counts every byte, and collects strings and (below the top level) members. */
function measure(root: Json, dropped: Map<Container, Set<string>>): Measure {
  const result: Measure = {
    base: 0,
    unprotected: [],
    unprotectedSizes: [],
    protectedSizes: [],
    members: [],
    entries: new Map(),
    atFloorTotal: 0,
  };
  const visit = (value: Json, path: string | null, isProtected: boolean, parent: number): number => {
    if (typeof value === "string") {
      result.base += 2;
      if (isProtected) {
        const bytes = encodedBytes(value);
        result.protectedSizes.push(bytes);
        return 2 + bytes;
      }
      const bytes = value.length >= VALUE_FLOOR_BYTES ? undefined : encodedBytes(value);
      result.unprotected.push(value);
      result.unprotectedSizes.push(bytes);
      return 2 + (bytes ?? VALUE_FLOOR_BYTES);
    }
    if (!isContainer(value)) {
      const bytes = JSON.stringify(value).length;
      result.base += bytes;
      return bytes;
    }
    const topLevel = path === null;
    const isArray = Array.isArray(value);
    // The top level's members stay (their strings may be cut); an array's elements may go.
    const droppable = !topLevel || isArray;
    let count = 0;
    let size = 0;
    eachMember(value, dropped.get(value), (key, child) => {
      count++;
      const keyBytes = isArray ? 0 : encodedBytes(key) + 3;
      const index = droppable ? result.members.length : parent;
      if (droppable) result.members.push({ container: value, key, prefix: path, atFloor: 0, parent });
      const childProtected = topLevel && !isArray && PROTECTED_JSON_KEYS.has(key);
      const childPath = isContainer(child) ? pathOf(path, key) : "";
      const childSize = keyBytes + visit(child, childPath, childProtected, index);
      if (droppable) (result.members[index] as Member).atFloor = childSize;
      result.base += keyBytes;
      size += childSize;
    });
    result.entries.set(value, count);
    // Brackets and commas.
    const punctuation = 2 + Math.max(count - 1, 0);
    result.base += punctuation;
    return size + punctuation;
  };
  result.atFloorTotal = visit(root, null, false, -1);
  return result;
}

/** Caps for the strings: unprotected ones to `cap`, protected ones to `protectedCap`. */
interface Caps {
  cap: number;
  protectedCap: number;
}

function build(value: Json, dropped: Map<Container, Set<string>>, caps: Caps, report: FitReport): Json {
  const visit = (node: Json, path: string | null, isProtected: boolean): Json => {
    if (typeof node === "string") {
      const cut = cutJsonString(node, isProtected ? caps.protectedCap : caps.cap);
      if (cut !== node) report.cut.push(path ?? "(value)");
      return cut;
    }
    if (!isContainer(node)) return node;
    const isArray = Array.isArray(node);
    const members: [string, Json][] = [];
    eachMember(node, dropped.get(node), (key, member) => {
      const memberProtected = path === null && !isArray && PROTECTED_JSON_KEYS.has(key);
      members.push([key, visit(member, pathOf(path, key), memberProtected)]);
    });
    // fromEntries, not assignment: a "__proto__" key stays a key.
    return isArray ? members.map(([, member]) => member) : Object.fromEntries(members);
  };
  return visit(value, null, false);
}

/** The cap the unprotected strings may have (`floor`, at most VALUE_FLOOR_BYTES, and up), or undefined. */
function unprotectedCap(measured: Measure, target: number, floor: number): number | undefined {
  let budget = target - measured.base;
  for (const bytes of measured.protectedSizes) budget -= bytes;
  // At the floor an uncounted string takes the floor exactly: no need to count it to say no.
  let atFloor = 0;
  for (const bytes of measured.unprotectedSizes)
    atFloor += bytes === undefined ? floor : Math.min(bytes, floor);
  if (atFloor > budget) return undefined;
  const sizes = measured.unprotectedSizes.map(
    (bytes, index) => bytes ?? encodedBytes(measured.unprotected[index] as string),
  );
  return waterFill(sizes, budget, floor);
}

/** `value` (parsed JSON) as JSON in at most `maxBytes`: see the rules at the top of this file. */
export function fitJson(value: Json, maxBytes: number): { msg: string; report: FitReport } {
  const report: FitReport = { what: "JSON", cut: [], dropped: [] };
  const dropped = new Map<Container, Set<string>>();
  const all = Number.POSITIVE_INFINITY;
  const serialise = (caps: Caps) => JSON.stringify(build(value, dropped, caps, report));

  const first = measure(value, dropped);
  const cap = unprotectedCap(first, maxBytes, VALUE_FLOOR_BYTES);
  if (cap !== undefined) return { msg: serialise({ cap, protectedCap: all }), report };

  // Drop the largest members (at the floor) first; a member inside a dropped one is gone with it.
  let total = first.atFloorTotal;
  const gone = first.members.map(() => false);
  const order = first.members
    .map((_, index) => index)
    .sort((a, b) => {
      const difference = (first.members[b] as Member).atFloor - (first.members[a] as Member).atFloor;
      return difference || b - a;
    });
  for (const index of order) {
    if (total <= maxBytes) break;
    const member = first.members[index] as Member;
    let ancestor = member.parent;
    while (ancestor >= 0 && !gone[ancestor]) ancestor = (first.members[ancestor] as Member).parent;
    if (ancestor >= 0) continue;
    gone[index] = true;
    const keys = dropped.get(member.container) ?? new Set<string>();
    keys.add(member.key);
    dropped.set(member.container, keys);
    // Its comma goes with it, unless it was the last member left.
    const left = (first.entries.get(member.container) ?? 0) - keys.size;
    total -= member.atFloor + (left > 0 ? 1 : 0);
    report.dropped.push(pathOf(member.prefix, member.key));
  }
  const second = measure(value, dropped);
  const afterDrops =
    unprotectedCap(second, maxBytes, VALUE_FLOOR_BYTES) ?? unprotectedCap(second, maxBytes, 0);
  if (afterDrops !== undefined) return { msg: serialise({ cap: afterDrops, protectedCap: all }), report };

  // Only the top level's own members are left, at nothing: the protected strings, last of all.
  const protectedCap = waterFill(second.protectedSizes, maxBytes - second.base, PROTECTED_FLOOR_BYTES);
  return { msg: serialise({ cap: 0, protectedCap: protectedCap ?? PROTECTED_FLOOR_BYTES }), report };
}

/** What one UTF-16 code unit (or, for a pair, the code point) costs in JSON.stringify's UTF-8 output. */
function jsonCost(code: number): number {
  if (code === 0x22 || code === 0x5c) return 2;
  if (code < 0x20) return code === 8 || code === 9 || code === 10 || code === 12 || code === 13 ? 2 : 6;
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code > 0xffff) return 4;
  // A lone surrogate is written as \uXXXX.
  if (code >= 0xd800 && code <= 0xdfff) return 6;
  return 3;
}

/** `text` cut so its JSON encoding (without quotes) takes at most `maxBytes`, with "…". */
export function cutJsonString(text: string, maxBytes: number): string {
  if (maxBytes === Number.POSITIVE_INFINITY) return text;
  // At most six bytes per code unit: a short enough string fits without counting.
  if (text.length * 6 <= maxBytes || encodedBytes(text) <= maxBytes) return text;
  const room = maxBytes - Buffer.byteLength(ELLIPSIS);
  if (room < 0) return "";
  let used = 0;
  let end = 0;
  while (end < text.length) {
    const code = text.codePointAt(end) ?? 0;
    const cost = jsonCost(code);
    if (used + cost > room) break;
    used += cost;
    end += code > 0xffff ? 2 : 1;
  }
  return text.slice(0, end) + ELLIPSIS;
}
