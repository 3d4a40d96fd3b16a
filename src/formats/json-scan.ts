// Looks into compact JSON as JSON.stringify writes it (a proven template's output,
// src/templates/json-proof.ts) without parsing it: members of objects, the length of strings.
// For the formats' checks of what they send, which need only some of its values: reading those
// costs a fraction of a parse, which builds all of it.

export const QUOTE = 0x22;
export const COMMA = 0x2c;
const COLON = 0x3a;
export const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;
const BACKSLASH = 0x5c;

/** Where the string that opens at `at` closes (the index of its closing quote), -1 if it does not. */
export function stringEnd(json: string, at: number): number {
  for (let end = json.indexOf('"', at + 1); end !== -1; end = json.indexOf('"', end + 1)) {
    let backslashes = 0;
    while (json.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return end;
  }
  return -1;
}

/** Where the value that starts at `at` ends (the index after it), -1 when it does not. */
export function valueEnd(json: string, at: number): number {
  let depth = 0;
  for (let i = at; i < json.length; i++) {
    const char = json.charCodeAt(i);
    if (char === QUOTE) {
      i = stringEnd(json, i);
      if (i === -1) return -1;
      if (depth === 0) return i + 1;
    } else if (char === OPEN_OBJECT || char === OPEN_ARRAY) {
      depth++;
    } else if (char === CLOSE_OBJECT || char === CLOSE_ARRAY) {
      // A close at depth 0 ends the container around a number, true, false or null.
      if (depth === 0) return i;
      if (--depth === 0) return i + 1;
    } else if (char === COMMA && depth === 0) {
      return i;
    }
  }
  return depth === 0 ? json.length : -1;
}

/** Whether the name whose quotes are at `start` and `end` is `name` (a name without characters to escape). */
export function isName(json: string, start: number, end: number, name: string): boolean {
  return end - start - 1 === name.length && json.startsWith(name, start + 1);
}

/**
 * Gives each member of the object at `at` to `member` (with where its name's quotes are and where
 * its value starts), which answers where the value ends, -1 to stop. Where the object ends (the
 * index after it); -1 when there is no object there or `member` stopped.
 */
export function eachMember<State extends { json: string }>(
  state: State,
  at: number,
  member: (state: State, nameStart: number, nameEnd: number, valueAt: number) => number,
): number {
  const { json } = state;
  if (json.charCodeAt(at) !== OPEN_OBJECT) return -1;
  let next = at + 1;
  if (json.charCodeAt(next) === CLOSE_OBJECT) return next + 1;
  for (;;) {
    if (json.charCodeAt(next) !== QUOTE) return -1;
    const nameEnd = stringEnd(json, next);
    if (nameEnd === -1 || json.charCodeAt(nameEnd + 1) !== COLON) return -1;
    const end = member(state, next, nameEnd, nameEnd + 2);
    if (end === -1) return -1;
    const after = json.charCodeAt(end);
    if (after === CLOSE_OBJECT) return end + 1;
    if (after !== COMMA) return -1;
    next = end + 1;
  }
}

/** Whether every string in the JSON is at most `max` UTF-16 units long as written (never shorter than it is). */
export function stringsAtMost(json: string, max: number): boolean {
  for (let at = json.indexOf('"'); at !== -1; ) {
    const end = stringEnd(json, at);
    if (end === -1 || end - at - 1 > max) return false;
    at = json.indexOf('"', end + 1);
  }
  return true;
}

/**
 * The members named `wanted` of a JSON object, each as its JSON; the look stops once it has them
 * all. Undefined when `json` is not an object.
 */
export function members(json: string, wanted: readonly string[]): Map<string, string> | undefined {
  if (json.charCodeAt(0) !== OPEN_OBJECT) return undefined;
  const found = new Map<string, string>();
  let at = 1;
  while (json.charCodeAt(at) === QUOTE) {
    const nameEnd = stringEnd(json, at);
    if (nameEnd === -1 || json.charCodeAt(nameEnd + 1) !== COLON) return undefined;
    const end = valueEnd(json, nameEnd + 2);
    if (end === -1) return undefined;
    const name = json.slice(at + 1, nameEnd);
    if (wanted.includes(name)) {
      found.set(name, json.slice(nameEnd + 2, end));
      if (found.size === wanted.length) return found;
    }
    at = json.charCodeAt(end) === COMMA ? end + 1 : end;
  }
  return found;
}
