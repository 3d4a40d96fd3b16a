/**
 * A webhook's settings (headers, options, destination, flow) are read through zod records, which
 * copy an object key by key: on the copy a "__proto__" key sets the prototype, and the setting
 * would be lost without a word. The API and the config file refuse such a key, naming where it
 * is. (Event data keeps such keys: it is never copied that way, see events/event.ts.)
 */
export const PROTOTYPE_KEY_MESSAGE = "__proto__ may not be a key here: it would be lost";

/** The path of the first "__proto__" key in `value`, or undefined. Give it a value of bounded depth. */
export function findPrototypeKey(
  value: unknown,
  path: (string | number)[] = [],
): (string | number)[] | undefined {
  if (value === null || typeof value !== "object") return undefined;
  for (const [key, child] of Object.entries(value)) {
    const at = [...path, Array.isArray(value) ? Number(key) : key];
    if (key === "__proto__") return at;
    const found = findPrototypeKey(child, at);
    if (found) return found;
  }
  return undefined;
}
