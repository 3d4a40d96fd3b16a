import { isObject } from "../formats/format";
import { VIEWER_VISIBLE_HEADERS } from "../webhooks/headers";
import { secretPathsOf } from "../webhooks/wire";
import type { ConfigDocument } from "./document";
import { showPath } from "./errors";

/**
 * Whether the value at `path` of a webhook (in the API's shape) is a secret: never printed by a
 * plan, exported as a `${…}` placeholder. The signing secret, the destination's and format's
 * secret settings, and custom header values but the plainly harmless ones (as viewers see them).
 */
export function isSecretField(path: readonly string[], format: string): boolean {
  if (path[0] === "secret") return true;
  if (path[0] === "headers")
    return path.length > 1 && !VIEWER_VISIBLE_HEADERS.has(String(path[1]).toLowerCase());
  return secretPathsOf(format).some(
    (secret) => secret.length <= path.length && secret.every((part, index) => path[index] === part),
  );
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((value, part) => (isObject(value) ? value[part] : undefined), root);
}

/**
 * A secret written into the file itself (not `${…}`) works, but is a credential in version
 * control: each one gets a warning naming where it is and the reference to use instead. Only
 * the declared secrets: a header value is hidden from plans in case it is one, but most are not.
 */
export function literalSecretWarnings(doc: ConfigDocument, entries: Record<string, unknown>[]): string[] {
  return entries.flatMap((entry, index) => {
    const format = typeof entry.format === "string" ? entry.format : "json";
    return [["secret"], ...secretPathsOf(format)]
      .map((path) => ["webhooks", index, ...path])
      .filter((where) => {
        const value = valueAt(entry, where.slice(2) as string[]);
        return typeof value === "string" && value !== "" && !doc.fromEnv.has(showPath(where));
      })
      .map(
        (where) =>
          `${doc.file}:${doc.lineAt(where)}: ${showPath(where)} is written in the file: put it in an environment variable and write \${VARIABLE} here, so that it stays out of version control`,
      );
  });
}
