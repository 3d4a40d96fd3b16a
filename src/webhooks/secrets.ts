import { isObject, type JsonObject } from "../formats/format";

// Secret settings (passwords, tokens, private keys, routing keys) are write-only: no answer of the
// API holds them, and a webhook read from the API and sent back without them keeps them. Which
// values are secret is declared by paths (["auth", "token"]), by each destination and format.

export type SecretPath = readonly string[];

/** The object at `path` inside `root`, if there is one. */
function objectAt(root: unknown, path: readonly string[]): JsonObject | undefined {
  let current: unknown = root;
  for (const name of path) current = isObject(current) ? current[name] : undefined;
  return isObject(current) ? current : undefined;
}

/** `root` copied along `path`, so the object there can be changed without touching the original. */
function copyAlong(root: JsonObject, path: readonly string[]): JsonObject {
  const copy = { ...root };
  let current = copy;
  for (const name of path) {
    const next = current[name];
    if (!isObject(next)) break;
    current[name] = { ...next };
    current = current[name] as JsonObject;
  }
  return copy;
}

/**
 * `root` without its secrets. Where the object holding a secret has no `type` (TLS settings), a
 * `has_<name>` flag says whether it is set; in a typed credential the type already says so.
 */
export function withoutSecrets(root: JsonObject, paths: readonly SecretPath[]): JsonObject {
  let shown = root;
  for (const path of paths) {
    const parentPath = path.slice(0, -1);
    const name = path.at(-1) as string;
    if (!objectAt(shown, parentPath)) continue;
    shown = copyAlong(shown, parentPath);
    const parent = objectAt(shown, parentPath) as JsonObject;
    const isSet = parent[name] !== undefined;
    delete parent[name];
    if (!("type" in parent)) parent[`has_${name}`] = isSet;
  }
  return shown;
}

/**
 * `incoming` with the `has_<name>` flags of `withoutSecrets` dropped, and each secret it leaves
 * out taken from `stored` when the object holding it is still there, of the same type.
 */
export function withStoredSecrets(
  stored: JsonObject | undefined,
  incoming: JsonObject,
  paths: readonly SecretPath[],
): JsonObject {
  let merged = incoming;
  for (const path of paths) {
    const parentPath = path.slice(0, -1);
    const name = path.at(-1) as string;
    if (!objectAt(merged, parentPath)) continue;
    merged = copyAlong(merged, parentPath);
    const parent = objectAt(merged, parentPath) as JsonObject;
    delete parent[`has_${name}`];
    const before = objectAt(stored, parentPath);
    const sameKind = before !== undefined && before.type === parent.type;
    if (!(name in parent) && sameKind && before[name] !== undefined) parent[name] = before[name];
  }
  return merged;
}
