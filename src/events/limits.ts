// Product limits on what one event may carry, so that no producer can make Herald stall on a
// huge event or overflow the stack of the code that stores and renders it.

/** The most an event may take as compact JSON, in UTF-8 bytes: 1 MiB. */
export const MAX_EVENT_BYTES = 1024 * 1024;
/** How deep an event's data may nest: data itself is level 1, an object or array in it level 2. */
export const MAX_DATA_DEPTH = 32;
/** How many keys and array elements an event's data may hold in all, nested ones included. */
export const MAX_DATA_KEYS = 10_000;
/**
 * How deep a request body may nest: an array of events, an event, its data's 32 levels, and room
 * to spare for the other requests' bodies. JSON.parse takes far deeper JSON, but the code that
 * walks the parsed value afterwards (validation, JSON.stringify) would overflow the stack.
 */
export const MAX_BODY_DEPTH = 64;

function isContainer(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}

/**
 * Which bound a JSON value breaks, if any: nesting of objects and arrays deeper than `maxDepth`
 * (the value itself is level 1), or more than `maxEntries` keys and array elements in all. Walks
 * without recursion, so a deep value cannot overflow the stack, and stops at the first break.
 */
export function exceededBound(
  value: unknown,
  maxDepth: number,
  maxEntries: number,
): "depth" | "entries" | undefined {
  const pending: [node: object, depth: number][] = isContainer(value) ? [[value, 1]] : [];
  let entries = 0;
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, depth] = next;
    if (depth > maxDepth) return "depth";
    // for…in rather than Object.values: it stops at the limit without copying the values (V8
    // still lists every key of a large object first: 70-140 ms for 200,000 keys).
    for (const key in node) {
      if (++entries > maxEntries) return "entries";
      const child = (node as Record<string, unknown>)[key];
      if (isContainer(child)) pending.push([child, depth + 1]);
    }
  }
  return undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Whether JSON text nests objects and arrays deeper than `maxDepth` (the value itself is level 1),
 * read from the text: for a body that JSON.parse has accepted, the same answer as walking the
 * parsed value, without touching each of its keys (a 200,000-key object took exceededBound 370 ms
 * of the thread that answers requests, this a few).
 */
export function nestsDeeperThan(json: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < json.length; index++) {
    const code = json.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/**
 * Whether a JSON value written as compact JSON (as JSON.stringify writes it) takes more than
 * `limit` UTF-8 bytes. Counts without recursion and stops as soon as it does.
 */
function isLargerAsJson(value: unknown, limit: number): boolean {
  let bytes = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0 && bytes <= limit) {
    const next = pending.pop();
    if (Array.isArray(next)) {
      // The brackets and the commas between elements.
      bytes += 1 + Math.max(next.length, 1);
      for (const element of next) pending.push(element);
    } else if (isContainer(next)) {
      const members = Object.entries(next);
      bytes += 1 + Math.max(members.length, 1);
      for (const [key, member] of members) {
        // The quoted key and its colon.
        bytes += Buffer.byteLength(JSON.stringify(key)) + 1;
        pending.push(member);
      }
    } else {
      bytes += Buffer.byteLength(JSON.stringify(next) ?? "null");
    }
  }
  return bytes > limit;
}

/**
 * The first limit a posted event breaks, with its path inside the event (["data"], or [] for
 * the event as a whole); undefined when it keeps them all or is no object (its schema says
 * what is wrong then). The data goes first: its walk stops after 10,000 entries, where counting
 * the size may go through a whole megabyte.
 */
export function eventLimitIssue(event: unknown): { path: string[]; message: string } | undefined {
  if (!isContainer(event) || Array.isArray(event)) return undefined;
  const data = (event as { data?: unknown }).data;
  switch (exceededBound(data, MAX_DATA_DEPTH, MAX_DATA_KEYS)) {
    case "depth":
      return { path: ["data"], message: `must not nest deeper than ${MAX_DATA_DEPTH} levels` };
    case "entries":
      return {
        path: ["data"],
        message: `must not hold more than ${MAX_DATA_KEYS} keys and array elements in all`,
      };
  }
  if (isLargerAsJson(event, MAX_EVENT_BYTES)) {
    return { path: [], message: `an event must not be larger than 1 MiB (${MAX_EVENT_BYTES} bytes) as JSON` };
  }
  return undefined;
}
